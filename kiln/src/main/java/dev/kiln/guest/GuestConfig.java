package dev.kiln.guest;

import java.nio.file.Path;
import java.util.List;

/**
 * What Kiln adds to an image to make it bootable, and the overrides of the image config that
 * kiln-init applies. Null means "not set" (keep the image's value); lists are never null.
 *
 * @param init       which init the image gets
 * @param agent      a long-running program started at boot and restarted when it exits, or null
 * @param agentDest  where the agent is installed (absolute), default {@link #DEFAULT_AGENT_DEST}
 * @param agentArgs  arguments of the agent
 * @param agentEnv   K=V added to the agent's environment
 * @param script     a program run once at boot before the main program, or null
 * @param hostname   written to /etc/hostname and /etc/hosts, or null
 * @param dns        name servers for /etc/resolv.conf (not written when empty)
 * @param env        K=V that replace or extend the image's Env
 * @param entrypoint replaces the image's Entrypoint (and clears its Cmd, as container runtimes do), or null
 * @param cmd        replaces the image's Cmd, or null
 * @param user       replaces the image's User (name or uid, optionally :group or :gid), or null
 * @param workdir    replaces the image's WorkingDir, or null
 * @param files      host files copied into the image
 */
public record GuestConfig(InitMode init, Path agent, String agentDest, List<String> agentArgs,
                          List<String> agentEnv, Path script, String hostname, List<String> dns,
                          List<String> env, List<String> entrypoint, List<String> cmd, String user,
                          String workdir, List<FileSpec> files) {

    public static final String DEFAULT_AGENT_DEST = "/usr/local/bin/kiln-agent";

    public enum InitMode {
        /** Keep the image's own init system when it has one and wants it; otherwise kiln-init. */
        AUTO,
        /** Always install kiln-init as /sbin/init. */
        KILN,
        /** Add no init (the files and /etc/kiln are still written). */
        NONE
    }

    /**
     * Something placed into the image: exactly one of a host file ({@code source}), inline
     * {@code contents}, a {@code symlink} target, or a {@code directory}.
     *
     * @param mode permission bits, or null for the default (a host file's 0644 or 0755; 0644 for
     *             contents; 0755 for a directory; ignored for a symlink)
     * @param uid  owner, or null for 0
     * @param gid  group, or null for 0
     */
    public record FileSpec(Path source, String dest, Integer mode, Long uid, Long gid,
                           byte[] contents, String symlink, boolean directory) {
        public FileSpec(Path source, String dest, Integer mode, Long uid, Long gid) {
            this(source, dest, mode, uid, gid, null, null, false);
        }

        public FileSpec {
            int kinds = (source != null ? 1 : 0) + (contents != null ? 1 : 0) + (symlink != null ? 1 : 0)
                    + (directory ? 1 : 0);
            if (kinds != 1) {
                throw new dev.kiln.KilnException(dest + ": give exactly one of a source file, contents, "
                        + "a symlink target or directory");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FileSpec f && java.util.Objects.equals(source, f.source) && dest.equals(f.dest)
                    && java.util.Objects.equals(mode, f.mode) && java.util.Objects.equals(uid, f.uid)
                    && java.util.Objects.equals(gid, f.gid) && java.util.Arrays.equals(contents, f.contents)
                    && java.util.Objects.equals(symlink, f.symlink) && directory == f.directory;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(source, dest, mode, uid, gid, java.util.Arrays.hashCode(contents),
                    symlink, directory);
        }
    }

    public GuestConfig {
        init = init == null ? InitMode.AUTO : init;
        agentDest = agentDest == null ? DEFAULT_AGENT_DEST : agentDest;
        agentArgs = agentArgs == null ? List.of() : List.copyOf(agentArgs);
        agentEnv = agentEnv == null ? List.of() : List.copyOf(agentEnv);
        dns = dns == null ? List.of() : List.copyOf(dns);
        env = env == null ? List.of() : List.copyOf(env);
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** The default: automatic init choice, nothing else added or overridden. */
    public static GuestConfig defaults() {
        return new GuestConfig(InitMode.AUTO, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    /** No init at all; Kiln still records the image config under /etc/kiln. */
    public static GuestConfig none() {
        return defaults().withInit(InitMode.NONE);
    }

    public GuestConfig withInit(InitMode mode) {
        return new GuestConfig(mode, agent, agentDest, agentArgs, agentEnv, script, hostname, dns, env,
                entrypoint, cmd, user, workdir, files);
    }
}
