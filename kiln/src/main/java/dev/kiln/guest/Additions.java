package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.guest.GuestConfig.FileSpec;
import dev.kiln.guest.GuestConfig.InitMode;
import dev.kiln.image.ImageConfig;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Plans the entries GuestStage appends, once the whole image has been seen. */
final class Additions {
    /** Where kiln-init lives when the image keeps its own init and uses it only as a helper. */
    static final String HELPER_PATH = "usr/lib/kiln/kiln-init";
    static final String SCRIPT_PATH = "etc/kiln/script";

    private final TreeView tree;
    private final ImageConfig image;
    private final GuestConfig guest;
    private final long mtime;
    private final String platform;
    private final List<GuestStage.Addition> out = new ArrayList<>();

    /** @param platform the image's "os/arch[/variant]" (picks the kiln-init binary); null means the host's */
    Additions(TreeView tree, ImageConfig image, GuestConfig guest, long mtime, String platform) {
        this.tree = tree;
        this.image = image;
        this.guest = guest;
        this.mtime = mtime;
        this.platform = platform;
    }

    /** Fails early, before any layer is read, on options that can never work. */
    static void validate(GuestConfig guest) {
        checkHostFile("--agent", guest.agent());
        checkHostFile("--script", guest.script());
        for (FileSpec f : guest.files()) {
            checkHostFile("--file", f.source());
            checkAbsolute("--file " + (f.source() != null ? f.source() : f.dest()), f.dest());
        }
        if (guest.agent() != null) {
            checkAbsolute("--agent " + guest.agent(), guest.agentDest());
        }
        for (String kv : concat(guest.env(), guest.agentEnv())) {
            if (!GuestConfig.isEnvironmentEntry(kv)) {
                throw new KilnException("--env " + kv + ": expected NAME=VALUE");
            }
        }
        for (String ip : guest.dns()) {
            if (!GuestConfig.isNameServer(ip)) {
                throw new KilnException("--dns " + ip + ": not an IP address");
            }
        }
        if (guest.hostname() != null && !GuestConfig.isHostname(guest.hostname())) {
            throw new KilnException("--hostname " + guest.hostname() + ": not a valid host name");
        }
        for (String s : concat(concat(guest.agentArgs(), guest.entrypoint()), guest.cmd())) {
            if (s.indexOf('\0') >= 0) {
                throw new KilnException("argument " + s.replace('\0', '?') + ": contains a NUL byte");
            }
        }
    }

    List<GuestStage.Addition> plan() {
        ImageConfig effective = effectiveConfig();
        List<String> argv = concat(effective.entrypoint(), effective.cmd());
        InitSystem system = InitSystem.detect(tree);
        InitMode mode = guest.init();
        // A root with a composed machine's containers needs kiln-init to run them: auto never
        // keeps the image's own init there (it would leave the containers unstarted).
        boolean keepImageInit = mode == InitMode.AUTO && system != InitSystem.NONE && !isMachine()
                && (argv.isEmpty() || InitSystem.startsInit(argv));
        if (mode == InitMode.AUTO && !keepImageInit) {
            mode = InitMode.KILN;
        }

        dir("etc/kiln", 0755);
        bytes(GuestStage.IMAGE_CONFIG_PATH, 0644, GuestStage.imageJson(effective));
        bytes(GuestStage.INIT_CONFIG_PATH, 0644, initConf(effective));
        if (guest.script() != null) {
            hostFile(SCRIPT_PATH, guest.script(), 0755, 0, 0);
        }
        if (guest.agent() != null) {
            hostFile(strip(guest.agentDest()), guest.agent(), 0755, 0, 0);
        }
        for (FileSpec f : guest.files()) {
            file(f);
        }
        if (guest.hostname() != null) {
            bytes("etc/hostname", 0644, (guest.hostname() + "\n").getBytes(StandardCharsets.UTF_8));
            bytes("etc/hosts", 0644, hosts(guest.hostname()).getBytes(StandardCharsets.UTF_8));
        }
        if (!guest.dns().isEmpty()) {
            StringBuilder resolv = new StringBuilder();
            guest.dns().forEach(ip -> resolv.append("nameserver ").append(ip).append('\n'));
            bytes("etc/resolv.conf", 0644, resolv.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (mode == InitMode.KILN) {
            // mount points kiln-init needs before it can create anything (the root may be read-only)
            for (String mountpoint : List.of("proc", "sys", "dev", "run")) {
                dir(mountpoint, 0755);
            }
            dir("tmp", 01777);
            kilnInit("sbin/init");
        } else if (keepImageInit && (guest.agent() != null || guest.script() != null)) {
            new ServiceFiles(this, system, guest).add();
        }
        return out;
    }

    /** Whether the tree holds a composed machine's containers, where kiln-init looks for them. */
    private boolean isMachine() {
        for (MachineLayout.Kind kind : MachineLayout.Kind.values()) {
            if (tree.isDirectory(MachineLayout.CONTAINERS + "/" + kind.dir())) {
                return true;
            }
        }
        return false;
    }

    ImageConfig effectiveConfig() {
        List<String> entrypoint = guest.entrypoint() != null ? guest.entrypoint() : image.entrypoint();
        // a new entrypoint drops the image's Cmd, as `docker run --entrypoint` does
        List<String> cmd = guest.cmd() != null ? guest.cmd() : guest.entrypoint() != null ? List.of() : image.cmd();
        return new ImageConfig(entrypoint, cmd, image.envWith(guest.env()),
                guest.workdir() != null ? guest.workdir() : image.workingDir(),
                guest.user() != null ? guest.user() : image.user(),
                image.exposedPorts(), image.labels());
    }

    private byte[] initConf(ImageConfig effective) {
        InitConf conf = new InitConf();
        // kept apart (not one argv) so that `kiln run IMAGE CMD` can replace the Cmd alone
        effective.entrypoint().forEach(a -> conf.put(InitConf.Key.ENTRYPOINT, a));
        effective.cmd().forEach(a -> conf.put(InitConf.Key.CMD, a));
        effective.env().forEach(e -> conf.put(InitConf.Key.ENV, e));
        if (!effective.workingDir().isEmpty()) {
            conf.put(InitConf.Key.WORKDIR, effective.workingDir());
        }
        if (!effective.user().isEmpty()) {
            conf.put(InitConf.Key.USER, effective.user());
        }
        if (guest.hostname() != null) {
            conf.put(InitConf.Key.HOSTNAME, guest.hostname());
        }
        if (guest.agent() != null) {
            conf.put(InitConf.Key.AGENT, guest.agentDest());
            guest.agentArgs().forEach(a -> conf.put(InitConf.Key.AGENT_ARG, a));
            guest.agentEnv().forEach(e -> conf.put(InitConf.Key.AGENT_ENV, e));
        }
        if (guest.script() != null) {
            conf.put(InitConf.Key.SCRIPT, "/" + SCRIPT_PATH);
        }
        if (guest.poweroffOnOnbootFailure()) {
            conf.put(InitConf.Key.ONBOOT_FAILURE, "poweroff");
        }
        return conf.bytes();
    }

    static String hosts(String hostname) {
        String shortName = hostname.contains(".") ? " " + hostname.substring(0, hostname.indexOf('.')) : "";
        return "127.0.0.1\tlocalhost\n"
                + "127.0.1.1\t" + hostname + shortName + "\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "ff02::1\tip6-allnodes\n"
                + "ff02::2\tip6-allrouters\n";
    }

    // ---- entry helpers, also used by ServiceFiles ----

    /** Creates the directory and its missing parents; an existing directory is left as it is. */
    void dir(String path, int mode) {
        String resolved = tree.resolveFully(path);
        if (resolved.isEmpty() || tree.isDirectory(resolved)) {
            return;
        }
        if (tree.exists(resolved)) {
            throw new KilnException("/" + resolved + ": exists in the image and is not a directory");
        }
        int slash = resolved.lastIndexOf('/');
        if (slash > 0) {
            dir(resolved.substring(0, slash), 0755);
        }
        tree.added(resolved, true);
        byte[] p = resolved.getBytes(StandardCharsets.UTF_8);
        out.add(() -> Entry.directory(p, mode, 0, 0, mtime));
    }

    private String place(String path) {
        String resolved = tree.resolveParent(path);
        int slash = resolved.lastIndexOf('/');
        if (slash > 0) {
            dir(resolved.substring(0, slash), 0755);
        }
        if (tree.isDirectory(resolved)) {
            throw new KilnException("/" + resolved + ": is a directory in the image");
        }
        tree.added(resolved, false);
        return resolved;
    }

    void bytes(String path, int mode, byte[] content) {
        if (unchanged(path, mode, 0, 0, content.length, () -> sha256(new ByteArrayInputStream(content)))) {
            return;
        }
        byte[] p = place(path).getBytes(StandardCharsets.UTF_8);
        out.add(() -> Entry.file(p, mode, 0, 0, mtime, content.length, new ByteArrayInputStream(content)));
    }

    void symlink(String path, String target) {
        if (tree.holdsSymlink(tree.resolveParent(path), target, 0, 0, mtime)) {
            return;
        }
        byte[] p = place(path).getBytes(StandardCharsets.UTF_8);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        out.add(() -> Entry.symlink(p, t, 0, 0, mtime));
    }

    /**
     * Whether the image already holds exactly this file where it would go (see
     * {@link TreeView#holdsFile}): then adding it would change nothing but its inode.
     */
    private boolean unchanged(String path, int mode, long uid, long gid, long size, TreeView.ContentDigest digest) {
        try {
            return tree.holdsFile(tree.resolveParent(path), mode, uid, gid, mtime, size, digest);
        } catch (IOException e) {
            return false;   // cannot tell: added, and a host file that cannot be read is reported then
        }
    }

    private static String sha256(java.io.InputStream in) throws IOException {
        dev.kiln.io.HashingInputStream h = new dev.kiln.io.HashingInputStream(in);
        return h.finish();
    }

    /** The names (last components) of the files this build may add: the only ones worth hashing on the way. */
    static java.util.Set<String> namesAdded(GuestConfig guest) {
        java.util.Set<String> names = new java.util.HashSet<>(java.util.Set.of("image.json", "init.conf", "init",
                "kiln-init", "script", "hostname", "hosts", "resolv.conf", "inittab", "kiln-agent", "kiln-script",
                "kiln-agent.service", "kiln-script.service"));
        if (guest.agent() != null) {
            names.add(lastName(guest.agentDest()));
        }
        guest.files().forEach(f -> names.add(lastName(f.dest())));
        return names;
    }

    private static String lastName(String path) {
        String p = path.replaceAll("/+$", "");
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** Installs the kiln-init binary built for the image's architecture. */
    void kilnInit(String path) {
        bytes(path, 0755, KilnInit.bytes(platform));
    }

    private void file(FileSpec f) {
        long uid = f.uid() == null ? 0 : f.uid();
        long gid = f.gid() == null ? 0 : f.gid();
        String path = strip(f.dest());
        if (f.source() != null) {
            hostFile(path, f.source(), f.mode() == null ? defaultMode(f.source()) : f.mode(), uid, gid);
        } else if (f.contents() != null) {
            byte[] c = f.contents().clone();
            int mode = f.mode() == null ? 0644 : f.mode();
            if (unchanged(path, mode, uid, gid, c.length, () -> sha256(new ByteArrayInputStream(c)))) {
                return;
            }
            byte[] p = place(path).getBytes(StandardCharsets.UTF_8);
            out.add(() -> Entry.file(p, mode, uid, gid, mtime, c.length, new ByteArrayInputStream(c)));
        } else if (f.symlink() != null) {
            if (tree.holdsSymlink(tree.resolveParent(path), f.symlink(), uid, gid, mtime)) {
                return;
            }
            byte[] p = place(path).getBytes(StandardCharsets.UTF_8);
            byte[] t = f.symlink().getBytes(StandardCharsets.UTF_8);
            out.add(() -> Entry.symlink(p, t, uid, gid, mtime));
        } else {
            String resolved = tree.resolveFully(path);
            int mode = f.mode() == null ? 0755 : f.mode();
            int slash = resolved.lastIndexOf('/');
            if (slash > 0) {
                dir(resolved.substring(0, slash), 0755);
            }
            if (tree.exists(resolved) && !tree.isDirectory(resolved)) {
                throw new KilnException("/" + resolved + ": exists in the image and is not a directory");
            }
            // an explicit directory replaces the image's metadata for it (mode, owner)
            tree.added(resolved, true);
            byte[] p = resolved.getBytes(StandardCharsets.UTF_8);
            out.add(() -> Entry.directory(p, mode, uid, gid, mtime));
        }
    }

    private void hostFile(String path, Path source, int mode, long uid, long gid) {
        long known;
        try {
            known = Files.size(source);
        } catch (IOException e) {
            known = -1;   // reported when the file is read
        }
        if (known >= 0 && unchanged(path, mode, uid, gid, known, () -> {
            try (var in = Files.newInputStream(source)) {
                return sha256(in);
            }
        })) {
            return;
        }
        byte[] p = place(path).getBytes(StandardCharsets.UTF_8);
        out.add(() -> {
            long size = Files.size(source);
            return Entry.file(p, mode, uid, gid, mtime, size, Files.newInputStream(source));
        });
    }

    TreeView tree() {
        return tree;
    }

    private static int defaultMode(Path source) {
        return Files.isExecutable(source) ? 0755 : 0644;
    }

    private static void checkHostFile(String option, Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new KilnException(file + ": " + option + " needs a regular file, and there is none");
        }
    }

    private static void checkAbsolute(String option, String dest) {
        if (dest == null || !GuestConfig.isAbsoluteFilePath(dest)) {
            throw new KilnException(option + ": destination " + dest + " must be an absolute file path without ..");
        }
    }

    private static String strip(String absolute) {
        return absolute.replaceAll("^/+", "");
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a == null ? List.of() : a);
        if (b != null) {
            all.addAll(b);
        }
        return all;
    }
}
