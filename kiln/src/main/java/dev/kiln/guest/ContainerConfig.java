package dev.kiln.guest;

import dev.kiln.KilnException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How kiln-init runs one container of a composed machine: the file
 * {@code containers/KIND/NNN-NAME/config} beside the container's rootfs ({@link MachineLayout}).
 * Its records and their meaning are described in kiln/src/main/c/PROTOCOL.md ("Composed
 * machines"); kiln-init's containers.c reads them, and refuses a file with a key it does not know.
 *
 * @param command      the program and its arguments: the image's Entrypoint and Cmd, or the spec's
 *                     {@code command} instead
 * @param env          {@code NAME=VALUE}, the image's Env with the spec's {@code env} applied
 * @param cwd          working directory (created when missing), or null for /
 * @param user         {@code uid[:gid]} or names looked up in the container's own /etc/passwd and
 *                     /etc/group, or null for root
 * @param groups       supplementary groups (gids or names) besides those /etc/group gives the user
 * @param capabilities capability names ({@code CAP_NET_RAW}, {@code NET_RAW} or {@code ALL}), or null
 *                     for Docker's default set; an explicit list is given to a non-root user too
 *                     (as ambient capabilities), the default set only to root
 * @param binds        paths of the VM's root mounted into the container
 * @param net          the VM's network, or a namespace with only loopback
 * @param readOnly     the container's root is mounted read-only
 * @param timeoutSeconds onboot and onshutdown containers are killed after this long; 0 for no limit
 * @param hostname     the container's host name, or null for its name
 */
public record ContainerConfig(List<String> command, List<String> env, String cwd, String user, List<String> groups,
                              List<String> capabilities, List<Bind> binds, Net net, boolean readOnly,
                              int timeoutSeconds, String hostname) {

    /** The capabilities kiln-init knows, by number (include/uapi/linux/capability.h; caps.c has the same table). */
    public static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    /** Docker's default set, which a container gets when its config lists none. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    private static final Pattern ENV = Pattern.compile("[^=\\x00]+=[^\\x00]*");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9.-]{1,64}");

    public enum Net {
        /** the VM's own network namespace (the default) */
        HOST,
        /** a network namespace of its own with only the loopback interface, up */
        NONE
    }

    /**
     * A path of the VM's root mounted at a path of the container. A missing source is created as
     * a directory at boot; a missing target is created in the container's root.
     */
    public record Bind(String source, String target, boolean readOnly) {
        public Bind {
            String problem = problem(source, target);
            if (problem != null) {
                throw new KilnException("bind " + source + ":" + target + ": " + problem);
            }
        }

        /** {@code SOURCE:TARGET[:ro|rw]}, as in a spec's {@code binds}. */
        public static Bind parse(String spec) {
            String problem = problem(spec);
            if (problem != null) {
                throw new KilnException("bind " + spec + ": " + problem);
            }
            String[] parts = spec.split(":", -1);
            return new Bind(parts[0], parts[1], parts.length == 3 && parts[2].equals("ro"));
        }

        /** What is wrong with {@code spec} as {@code SOURCE:TARGET[:ro|rw]}, or null when {@link #parse} takes it. */
        public static String problem(String spec) {
            String[] parts = spec.split(":", -1);
            if (parts.length < 2 || parts.length > 3) {
                return "expected SOURCE:TARGET[:ro|rw]";
            }
            if (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw")) {
                return "the option must be ro or rw, not " + parts[2];
            }
            return problem(parts[0], parts[1]);
        }

        private static String problem(String source, String target) {
            String problem = pathProblem(source);
            if (problem == null) {
                problem = pathProblem(target);
            }
            if (problem == null && target.replace("/", "").isEmpty()) {
                problem = "cannot mount over the container's root";
            }
            return problem;
        }

        String wire() {
            return source + ":" + target + ":" + (readOnly ? "ro" : "rw");
        }

        private static String pathProblem(String path) {
            if (!path.startsWith("/") || path.indexOf(':') >= 0 || path.indexOf('\0') >= 0) {
                return path.replace('\0', '?') + " is not an absolute path (without ':')";
            }
            for (String part : path.split("/")) {
                if (part.equals(".") || part.equals("..")) {
                    return path + " has a '" + part + "' component";
                }
            }
            return null;
        }
    }

    public ContainerConfig {
        command = List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        groups = groups == null ? List.of() : List.copyOf(groups);
        capabilities = capabilities == null ? null : canonical(capabilities);
        binds = binds == null ? List.of() : List.copyOf(binds);
        net = net == null ? Net.HOST : net;
        if (command.isEmpty() || command.get(0).isEmpty()) {
            throw new KilnException("command: empty; the image has no Entrypoint or Cmd, so give a command");
        }
        for (String a : command) {
            noNul("command", a);
        }
        for (String e : env) {
            if (!ENV.matcher(e).matches()) {
                throw new KilnException("env " + e.replace('\0', '?') + ": expected NAME=VALUE");
            }
        }
        if (cwd != null && !cwd.startsWith("/")) {
            throw new KilnException("cwd " + cwd + ": not an absolute path");
        }
        if (user != null && user.isEmpty()) {
            throw new KilnException("user: empty");
        }
        noNul("cwd", cwd);
        noNul("user", user);
        for (String g : groups) {
            if (g.isEmpty() || g.indexOf(':') >= 0) {
                throw new KilnException("group " + g + ": expected a group name or gid");
            }
            noNul("group", g);
        }
        if (timeoutSeconds < 0 || timeoutSeconds > 1_000_000) {
            throw new KilnException("timeout " + timeoutSeconds + ": expected 0 (none) to 1000000 seconds");
        }
        if (hostname != null && !HOSTNAME.matcher(hostname).matches()) {
            throw new KilnException("hostname " + hostname + ": not a valid host name");
        }
    }

    /** The container's program with everything else at its default. */
    public static ContainerConfig of(List<String> command) {
        return new ContainerConfig(command, null, null, null, null, null, null, null, false, 0, null);
    }

    /** Whether {@code name} is a capability kiln-init knows: CAP_NET_RAW, net_raw or ALL, in any case. */
    public static boolean isCapability(String name) {
        return canonicalName(name) != null;
    }

    /** What {@link #isCapability} asks of a capability, for messages. */
    public static final String CAPABILITY_RULE = "not a Linux capability Kiln knows (CAP_CHOWN ... "
            + "CAP_CHECKPOINT_RESTORE, or ALL)";

    /** "net_raw", "CAP_NET_RAW", "all"... as CAP_NET_RAW or ALL; unknown names are errors. */
    private static List<String> canonical(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String name : names) {
            String cap = canonicalName(name);
            if (cap == null) {
                throw new KilnException("capability " + name + ": " + CAPABILITY_RULE);
            }
            out.add(cap);
        }
        return List.copyOf(out);
    }

    /** CAP_NET_RAW for "net_raw" or "CAP_NET_RAW", ALL for "all"; null for a name kiln-init does not know. */
    private static String canonicalName(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        String cap = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        if (cap.equals("CAP_ALL")) {
            return "ALL";
        }
        return CAPABILITIES.contains(cap) ? cap : null;
    }

    private static void noNul(String key, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw new KilnException(key + " " + value.replace('\0', '?') + ": contains a NUL byte");
        }
    }

    /** The config file's bytes. */
    public byte[] bytes() {
        Records r = new Records();
        command.forEach(a -> r.put("arg", a));
        env.forEach(e -> r.put("env", e));
        if (cwd != null) {
            r.put("cwd", cwd);
        }
        if (user != null) {
            r.put("user", user);
        }
        groups.forEach(g -> r.put("group", g));
        if (hostname != null) {
            r.put("hostname", hostname);
        }
        if (capabilities != null) {
            if (capabilities.isEmpty()) {
                r.put("cap", ""); // one empty value: no capabilities at all
            }
            capabilities.forEach(c -> r.put("cap", c));
        }
        binds.forEach(b -> r.put("bind", b.wire()));
        r.put("net", net.name().toLowerCase(Locale.ROOT));
        if (readOnly) {
            r.put("readonly", "true");
        }
        if (timeoutSeconds > 0) {
            r.put("timeout", Integer.toString(timeoutSeconds));
        }
        return r.bytes();
    }
}
