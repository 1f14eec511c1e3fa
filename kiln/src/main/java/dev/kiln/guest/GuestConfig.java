package dev.kiln.guest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What Kiln adds to an image to make it bootable, and the overrides of the image config that
 * kiln-init applies. Null means "not set" (keep the image's value); lists are never null.
 * Build one with {@link #builder()}; the rules its values must follow are the static
 * {@code is...} methods, which the CLI checks while reading them (naming the flag or spec line)
 * and the guest stage checks again before it starts.
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
 * @param poweroffOnOnbootFailure a composed machine stops when one of its onboot containers fails
 *                   ({@code onboot_failure=poweroff} in init.conf); otherwise the boot goes on
 * @param bare       add nothing at all: the guest stage passes the tree through unchanged (no init, no
 *                   /etc/kiln); nothing else may then be set but {@code init} NONE or AUTO
 */
public record GuestConfig(InitMode init, Path agent, String agentDest, List<String> agentArgs,
                          List<String> agentEnv, Path script, String hostname, List<String> dns,
                          List<String> env, List<String> entrypoint, List<String> cmd, String user,
                          String workdir, List<FileSpec> files, boolean poweroffOnOnbootFailure,
                          boolean bare) {

    public static final String DEFAULT_AGENT_DEST = "/usr/local/bin/kiln-agent";

    private static final Pattern ENV = Pattern.compile("[^=\\x00]+=[^\\x00]*");
    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%\\w+)?");
    private static final Pattern HOSTNAME =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");

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
        if (bare) {
            String added = init == InitMode.KILN ? "init kiln" : agent != null ? "an agent"
                    : script != null ? "a script" : !files.isEmpty() ? "files" : hostname != null ? "a hostname"
                    : !dns.isEmpty() ? "name servers" : !agentArgs.isEmpty() || !agentEnv.isEmpty() ? "agent options"
                    : !env.isEmpty() || entrypoint != null || cmd != null || user != null || workdir != null
                    ? "image config overrides" : poweroffOnOnbootFailure ? "onboot_failure" : null;
            if (added != null) {
                throw new dev.kiln.KilnException("bare: a bare build adds nothing to the source's tree, so it cannot "
                        + "have " + added);
            }
        }
    }

    /** The default: automatic init choice, nothing else added or overridden. */
    public static GuestConfig defaults() {
        return builder().build();
    }

    /** No init at all; Kiln still records the image config under /etc/kiln. */
    public static GuestConfig none() {
        return builder().init(InitMode.NONE).build();
    }

    public GuestConfig withInit(InitMode mode) {
        return new GuestConfig(mode, agent, agentDest, agentArgs, agentEnv, script, hostname, dns, env,
                entrypoint, cmd, user, workdir, files, poweroffOnOnbootFailure, bare);
    }

    /** Nothing added: the source's tree exactly (the filesystem adds only lost+found). */
    public static GuestConfig bareTree() {
        return builder().bare(true).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An environment entry: NAME=VALUE, NAME not empty, neither holding NUL (init.conf's separator). */
    public static boolean isEnvironmentEntry(String s) {
        return ENV.matcher(s).matches();
    }

    /** An IPv4 or IPv6 address, as resolv.conf takes it (digits and separators only; not resolved). */
    public static boolean isNameServer(String s) {
        return IP.matcher(s).matches();
    }

    /** A host name: dot-separated labels of letters, digits and inner hyphens, 64 characters at most. */
    public static boolean isHostname(String s) {
        return s.length() <= 64 && HOSTNAME.matcher(s).matches();
    }

    /** A place for a file in the image: absolute, not the root, not ending in /, without "..". */
    public static boolean isAbsoluteFilePath(String s) {
        return s.startsWith("/") && !s.equals("/") && !s.endsWith("/") && !List.of(s.split("/")).contains("..");
    }

    /** Sets what differs from {@link #defaults()}; every setter may be left out. */
    public static final class Builder {
        private InitMode init = InitMode.AUTO;
        private Path agent;
        private String agentDest;
        private List<String> agentArgs;
        private List<String> agentEnv;
        private Path script;
        private String hostname;
        private List<String> dns;
        private List<String> env;
        private List<String> entrypoint;
        private List<String> cmd;
        private String user;
        private String workdir;
        private final List<FileSpec> files = new ArrayList<>();
        private boolean poweroffOnOnbootFailure;
        private boolean bare;

        private Builder() {
        }

        public Builder init(InitMode value) {
            init = value;
            return this;
        }

        /** The agent and where it goes (null: {@link #DEFAULT_AGENT_DEST}). */
        public Builder agent(Path file, String dest) {
            agent = file;
            agentDest = dest;
            return this;
        }

        public Builder agentArgs(List<String> value) {
            agentArgs = value;
            return this;
        }

        public Builder agentEnv(List<String> value) {
            agentEnv = value;
            return this;
        }

        public Builder script(Path value) {
            script = value;
            return this;
        }

        public Builder hostname(String value) {
            hostname = value;
            return this;
        }

        public Builder dns(List<String> value) {
            dns = value;
            return this;
        }

        public Builder env(List<String> value) {
            env = value;
            return this;
        }

        public Builder entrypoint(List<String> value) {
            entrypoint = value;
            return this;
        }

        public Builder cmd(List<String> value) {
            cmd = value;
            return this;
        }

        public Builder user(String value) {
            user = value;
            return this;
        }

        public Builder workdir(String value) {
            workdir = value;
            return this;
        }

        /** Adds a file (in order: a later one at the same place wins). */
        public Builder file(FileSpec value) {
            files.add(value);
            return this;
        }

        public Builder files(List<FileSpec> value) {
            files.addAll(value);
            return this;
        }

        /** A composed machine stops when an onboot container fails (default: the boot goes on). */
        public Builder poweroffOnOnbootFailure(boolean value) {
            poweroffOnOnbootFailure = value;
            return this;
        }

        /** Add nothing to the tree (see {@link GuestConfig#bare()}); nothing else may be set then. */
        public Builder bare(boolean value) {
            bare = value;
            return this;
        }

        public GuestConfig build() {
            return new GuestConfig(init, agent, agentDest, agentArgs, agentEnv, script, hostname, dns, env,
                    entrypoint, cmd, user, workdir, files, poweroffOnOnbootFailure, bare);
        }
    }
}
