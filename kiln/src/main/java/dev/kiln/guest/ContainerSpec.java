package dev.kiln.guest;

import dev.kiln.image.ImageConfig;

import java.util.List;

/**
 * What a spec says about one container of a composed machine on top of its image's config
 * (LinuxKit's keys): null or absent means "the image's" or the default. {@link #resolve} makes
 * the {@link ContainerConfig} kiln-init reads.
 *
 * @param command        replaces the image's Entrypoint and Cmd together, or null
 * @param env            NAME=VALUE replacing or extending the image's Env
 * @param cwd            replaces the image's WorkingDir, or null
 * @param user           replaces the image's User, or null
 * @param capabilities   the container's capability set, or null for Docker's default set
 * @param binds          paths of the VM's root mounted into the container
 * @param net            the VM's network (null: host) or loopback only
 * @param readOnly       the container's root is mounted read-only
 * @param timeoutSeconds an onboot or onshutdown container is killed after this long; 0 for no limit
 */
public record ContainerSpec(List<String> command, List<String> env, String cwd, String user,
                            List<String> capabilities, List<ContainerConfig.Bind> binds, ContainerConfig.Net net,
                            boolean readOnly, int timeoutSeconds) {
    public ContainerSpec {
        command = command == null ? null : List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        capabilities = capabilities == null ? null : List.copyOf(capabilities);
        binds = binds == null ? List.of() : List.copyOf(binds);
    }

    /** Everything from the image. */
    public static ContainerSpec defaults() {
        return new ContainerSpec(null, null, null, null, null, null, null, false, 0);
    }

    /**
     * The container's config: the image's Entrypoint and Cmd (or {@link #command}), its Env with
     * {@link #env} applied by name (as {@code --env} does for the main program), its WorkingDir
     * and User unless replaced, and the rest from this spec. Fails (naming the key) on a
     * container with nothing to run.
     */
    public ContainerConfig resolve(ImageConfig image) {
        List<String> argv = command != null ? command : Additions.concat(image.entrypoint(), image.cmd());
        String workdir = cwd != null ? cwd : image.workingDir().isEmpty() ? null : image.workingDir();
        String who = user != null ? user : image.user().isEmpty() ? null : image.user();
        return new ContainerConfig(argv, image.envWith(env), workdir, who, null, capabilities,
                binds, net, readOnly, timeoutSeconds, null);
    }
}
