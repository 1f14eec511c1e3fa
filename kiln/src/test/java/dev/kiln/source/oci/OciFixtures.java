package dev.kiln.source.oci;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.flatten.Flattener;
import dev.kiln.image.Image;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;
import dev.kiln.testing.Tools;
import dev.kiln.testing.TreeListing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Images made by umoci and skopeo, the reference flattening ({@code umoci unpack} listed by the
 * test kit's independent Python lister), and the same listing format computed from Kiln's
 * flattened entry stream, so the two can be compared line by line.
 */
public final class OciFixtures {
    private static final Pattern MTIME = Pattern.compile("\\|mtime=-?\\d+");

    private OciFixtures() {
    }

    public static void assumeOciTools() {
        Tools.assumeTools("umoci", "skopeo", "tar");
        Tools.assumeRoot(); // umoci unpack as root keeps owners, devices and security.* xattrs
    }

    /** A new empty image {@code layout:tag}. */
    public static void newImage(Path layout, String tag) {
        if (!Files.exists(layout.resolve("index.json"))) {
            Tools.check("umoci", "init", "--layout", layout.toString());
        }
        Tools.check("umoci", "new", "--image", layout + ":" + tag);
    }

    /** Appends an uncompressed layer tar verbatim (umoci gzips it). */
    public static void addLayer(Path layout, String tag, Path tar) {
        Tools.check("umoci", "raw", "add-layer", "--image", layout + ":" + tag, tar.toString());
    }

    /** The reference flattening: {@code umoci unpack} of the image, listed without mtimes. */
    public static List<String> reference(Path layout, String tag, Path work) throws IOException {
        Path bundle = Files.createTempDirectory(work, "bundle");
        Files.delete(bundle);
        Tools.check("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString());
        return withoutMtimes(TreeListing.of(bundle.resolve("rootfs")));
    }

    public static List<String> withoutMtimes(List<String> lines) {
        return lines.stream().map(l -> MTIME.matcher(l).replaceAll("")).toList();
    }

    /** What the guest stage may add that an image need not have (ignored when the image lacks them). */
    private static final List<String> GUEST_PATHS = List.of("/dev", "/proc", "/sys", "/run", "/tmp", "/sbin",
            "/sbin/init", "/etc");

    /**
     * Builds an ext4 image with {@code kiln build}, checks it with {@code e2fsck -fn}, loop-mounts
     * it and lists it like the reference, leaving out what Kiln adds (/etc/kiln, lost+found).
     */
    public static List<String> built(String reference, Path work, List<String> expected) throws IOException {
        Path out = Files.createTempFile(work, "image", ".ext4");
        Files.delete(out);
        int code = dev.kiln.cli.Main.run("build", reference, "-o", out.toString(), "--init", "none", "-q");
        if (code != 0) {
            throw new AssertionError("kiln build " + reference + " exited " + code);
        }
        try {
            dev.kiln.testing.Ext4Image.assertClean(out);
            try (dev.kiln.testing.Ext4Image.Mount m = dev.kiln.testing.Ext4Image.mount(out, false)) {
                List<String> lines = withoutMtimes(TreeListing.of(m.dir(), "etc/kiln", "lost+found"));
                return lines.stream().filter(l -> {
                    String path = l.substring(0, l.indexOf('|'));
                    return !GUEST_PATHS.contains(path)
                            || expected.stream().anyMatch(e -> e.startsWith(path + "|"));
                }).toList();
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Opens the reference and lists what the Flattener emits. */
    public static List<String> flattened(String reference) throws IOException {
        return flattened(reference, SourceOptions.defaults());
    }

    public static List<String> flattened(String reference, SourceOptions options) throws IOException {
        try (Image image = Sources.open(reference, options); EntryStream s = Flattener.flatten(image)) {
            return listing(s);
        }
    }

    /** An in-memory tree built from entries with the writer's semantics, then listed like tree-listing.py. */
    public static List<String> listing(EntryStream stream) throws IOException {
        Map<String, Node> tree = new TreeMap<>();
        for (Entry e = stream.next(); e != null; e = stream.next()) {
            String path = e.pathString();
            if (e.type() == EntryType.HARDLINK) {
                Node target = tree.get(new String(e.linkTarget(), StandardCharsets.UTF_8));
                if (target == null) {
                    throw new AssertionError(path + ": hard link to a path not emitted before: "
                            + new String(e.linkTarget(), StandardCharsets.UTF_8));
                }
                put(tree, path, target);
                continue;
            }
            Node old = tree.get(path);
            if (old != null && old.type == EntryType.DIRECTORY && e.type() != EntryType.DIRECTORY) {
                String prefix = path.isEmpty() ? "" : path + "/";
                tree.keySet().removeIf(p -> p.startsWith(prefix) && !p.equals(path));
            }
            String sha = null;
            long size = e.size();
            if (e.type() == EntryType.FILE) {
                sha = sha256(e.content(), e.size());
            }
            put(tree, path, new Node(e.type(), e.mode(), e.uid(), e.gid(), size, sha, e.linkTarget(),
                    e.devMajor(), e.devMinor(), new TreeMap<>(e.xattrs())));
        }
        // Parents the writer would create.
        for (String p : new ArrayList<>(tree.keySet())) {
            for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                tree.putIfAbsent(p.substring(0, i), new Node(EntryType.DIRECTORY, 0755, 0, 0, 0, null, null, 0, 0, Map.of()));
            }
        }
        tree.putIfAbsent("", new Node(EntryType.DIRECTORY, 0755, 0, 0, 0, null, null, 0, 0, Map.of()));
        Map<Node, List<String>> names = new IdentityHashMap<>();
        tree.forEach((p, n) -> names.computeIfAbsent(n, x -> new ArrayList<>()).add(p));
        List<String> lines = new ArrayList<>();
        tree.forEach((p, n) -> lines.add(line(p, n, names.get(n))));
        return lines;
    }

    private static void put(Map<String, Node> tree, String path, Node n) {
        tree.put(path, n);
    }

    private record Node(EntryType type, int mode, long uid, long gid, long size, String sha, byte[] target,
                        int major, int minor, Map<String, byte[]> xattrs) {
    }

    private static String line(String path, Node n, List<String> names) {
        String kind = switch (n.type) {
            case FILE -> "f";
            case DIRECTORY -> "d";
            case SYMLINK -> "l";
            case CHARACTER_DEVICE -> "c";
            case BLOCK_DEVICE -> "b";
            case FIFO -> "p";
            case SOCKET -> "s";
            case HARDLINK -> throw new IllegalStateException();
        };
        List<String> f = new ArrayList<>();
        f.add("/" + esc(path.getBytes(StandardCharsets.UTF_8)));
        f.add(kind);
        f.add(kind.equals("l") ? "-" : String.format("%04o", n.mode & 07777));
        f.add(n.uid + ":" + n.gid);
        switch (kind) {
            case "f" -> {
                f.add("size=" + n.size);
                f.add("sha256=" + n.sha);
            }
            case "l" -> f.add("target=" + esc(n.target));
            case "c", "b" -> f.add("dev=" + n.major + "," + n.minor);
            default -> { }
        }
        if (!kind.equals("l") && !n.xattrs.isEmpty()) {
            List<String> xs = new ArrayList<>();
            n.xattrs.forEach((k, v) -> xs.add(k + "=" + HexFormat.of().formatHex(v)));
            f.add("xattrs=" + String.join(";", xs));
        }
        if (!kind.equals("d") && names.size() > 1) {
            f.add("link=/" + esc(names.stream().min(String::compareTo).orElseThrow().getBytes(StandardCharsets.UTF_8)));
        }
        return String.join("|", f);
    }

    private static String esc(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c >= 0x21 && c <= 0x7e && c != 0x5c && c != 0x7c && c != 0x3d && c != 0x3b) {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }

    private static String sha256(InputStream in, long size) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
                total += n;
            }
            if (total != size) {
                throw new AssertionError("content has " + total + " bytes, entry says " + size);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
