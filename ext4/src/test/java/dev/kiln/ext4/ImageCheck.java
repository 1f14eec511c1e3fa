package dev.kiln.ext4;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test helper: builds an image with {@link Ext4Writer} from a described tree and checks it
 * with e2fsprogs and, as root, the kernel. Nothing here reads ext4 itself.
 */
final class ImageCheck {
    /** One thing to put in the image. */
    interface Item {
        void writeTo(Ext4Writer w) throws IOException;
    }

    record Result(int exitCode, String output) {
    }

    private ImageCheck() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Attributes attrs(int perm) {
        return new Attributes(perm, 0, 0, 1_700_000_000L, 0, Map.of());
    }

    /** A described entry: writes itself and knows how it must look in the image. */
    record Spec(char type, String path, Attributes attrs, byte[] content, String target, int major, int minor)
            implements Item {
        @Override
        public void writeTo(Ext4Writer w) throws IOException {
            switch (type) {
                case 'd' -> w.directory(b(path), attrs);
                case 'f' -> w.file(b(path), attrs, content.length, new ByteArrayInputStream(content));
                case 'l' -> w.symlink(b(path), attrs, b(target));
                case 'h' -> w.hardLink(b(path), b(target));
                case 'c' -> w.special(b(path), attrs, SpecialType.CHARACTER_DEVICE, major, minor);
                case 'b' -> w.special(b(path), attrs, SpecialType.BLOCK_DEVICE, major, minor);
                case 'p' -> w.special(b(path), attrs, SpecialType.FIFO, 0, 0);
                case 's' -> w.special(b(path), attrs, SpecialType.SOCKET, 0, 0);
                default -> throw new IllegalArgumentException("type " + type);
            }
        }
    }

    static Spec dir(String path, Attributes a) {
        return new Spec('d', path, a, null, null, 0, 0);
    }

    static Spec file(String path, Attributes a, byte[] content) {
        return new Spec('f', path, a, content, null, 0, 0);
    }

    static Item file(String path, Attributes a, long size, InputStream content) {
        return w -> w.file(b(path), a, size, content);
    }

    static Spec symlink(String path, String target) {
        return new Spec('l', path, attrs(0777), null, target, 0, 0);
    }

    static Spec hardLink(String path, String target) {
        return new Spec('h', path, null, null, target, 0, 0);
    }

    static Spec special(String path, SpecialType type, int major, int minor) {
        char t = switch (type) {
            case CHARACTER_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
        };
        return new Spec(t, path, attrs(0644), null, null, major, minor);
    }

    /**
     * The listing a tree of specs must produce (no replacements among them): one line per path
     * with type, mode, owner, mtime seconds and size plus content CRC, link target or device;
     * implicit parents are 0755 0:0.
     */
    static Map<String, String> expectedListing(List<Item> items, long creationTime) {
        Map<String, String> lines = new java.util.TreeMap<>();
        Map<String, Spec> byPath = new java.util.HashMap<>();
        lines.put("lost+found", "d 0700 0:0 " + creationTime);
        for (Item item : items) {
            Spec s = (Spec) item;
            String[] parts = s.path().split("/");
            for (int i = 1; i < parts.length; i++) {
                lines.putIfAbsent(String.join("/", java.util.Arrays.copyOf(parts, i)), "d 0755 0:0 " + creationTime);
            }
            Spec real = s.type() == 'h' ? byPath.get(s.target()) : s;
            byPath.put(s.path(), real);
            Attributes a = real.attrs();
            String head = real.type() + " " + String.format("%04o", a.permissions()) + " " + a.uid() + ":" + a.gid()
                    + " " + a.mtimeSeconds();
            String tail = switch (real.type()) {
                case 'f' -> " " + real.content().length + " " + crc(real.content());
                case 'l' -> " -> " + real.target();
                case 'c', 'b' -> " " + real.major() + "," + real.minor();
                default -> "";
            };
            lines.put(s.path(), head + tail);
        }
        return lines;
    }

    /** The same listing read through the kernel from a mounted image. */
    static Map<String, String> mountedListing(Path root) throws IOException {
        Map<String, String> lines = new java.util.TreeMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:*", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                char type = switch (mode & 0170000) {
                    case 0040000 -> 'd';
                    case 0100000 -> 'f';
                    case 0120000 -> 'l';
                    case 0020000 -> 'c';
                    case 0060000 -> 'b';
                    case 0010000 -> 'p';
                    case 0140000 -> 's';
                    default -> '?';
                };
                long rdev = (Long) a.get("rdev");
                String head = type + " " + String.format("%04o", mode & 07777) + " " + a.get("uid") + ":" + a.get("gid")
                        + " " + ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
                String tail = switch (type) {
                    case 'f' -> " " + a.get("size") + " " + crc(Files.readAllBytes(p));
                    case 'l' -> " -> " + Files.readSymbolicLink(p);
                    case 'c', 'b' -> " " + (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL)) + ","
                            + ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
                    default -> "";
                };
                lines.put(root.relativize(p).toString(), head + tail);
            }
        }
        return lines;
    }

    static String crc(byte[] data) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(data);
        return Long.toHexString(c.getValue());
    }

    /**
     * Builds the image from specs and checks it: e2fsck -fn clean; every regular file's bytes
     * through debugfs; as root, the whole listing through a read-only loop mount.
     */
    static Path verify(Path image, List<Item> items) throws IOException {
        assumeTools();
        Ext4Options o = options();
        build(image, o, items);
        assertClean(image);
        for (Item item : items) {
            if (item instanceof Spec s && s.type() == 'f') {
                assertThat(cat(image, s.path())).as("content of %s", s.path()).isEqualTo(s.content());
            }
        }
        Map<String, String> expected = expectedListing(items, o.creationTime());
        if (isRoot()) {
            withMount(image, root -> assertThat(mountedListing(root)).isEqualTo(expected));
        }
        return image;
    }

    static Ext4Options options() {
        return Ext4Options.defaults().withCreationTime(1_700_000_000L).withHeadroom(0.25, 16L << 20);
    }

    static Ext4Summary build(Path image, Ext4Options options, List<Item> items) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
             Ext4Writer w = new Ext4Writer(ch, options)) {
            for (Item item : items) {
                item.writeTo(w);
            }
            return w.finish();
        }
    }

    /** Runs a tool to its end; {@code output} is what it printed on both streams, as it printed it. */
    static Result run(String... command) {
        try {
            Tools.Result r = Tools.runMerged(command);
            return new Result(r.exit(), new String(r.stdout(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean have(String tool) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void assumeTools() {
        Assumptions.assumeTrue(have("e2fsck") && have("debugfs"), "e2fsprogs (e2fsck, debugfs) not installed");
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** e2fsck -fn exits 0 and reports nothing to fix. */
    static void assertClean(Path image) {
        Result r = run("e2fsck", "-fn", image.toString());
        assertThat(r.exitCode()).as("e2fsck -fn:%n%s", r.output()).isZero();
        assertThat(r.output()).as("e2fsck -fn output").doesNotContain("?").doesNotContainIgnoringCase("error")
                .doesNotContainIgnoringCase("invalid");
    }

    static String debugfs(Path image, String request) {
        Result r = run("debugfs", "-R", request, image.toString());
        assertThat(r.exitCode()).as("debugfs -R %s:%n%s", request, r.output()).isZero();
        return r.output();
    }

    /** Bytes of a file as debugfs dumps them. */
    static byte[] cat(Path image, String path) throws IOException {
        Path out = Files.createTempFile("kiln-dump", ".bin");
        try {
            debugfs(image, "dump -p /" + path + " " + out);
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs a check against the loop-mounted image (read-only); skipped when not root. */
    static void withMount(Path image, MountCheck check) throws IOException {
        Assumptions.assumeTrue(isRoot(), "loop mount needs root");
        Path dir = Files.createTempDirectory("kiln-mnt");
        try {
            Result m = run("mount", "-t", "ext4", "-o", "loop,ro", image.toString(), dir.toString());
            assertThat(m.exitCode()).as("mount: %s", m.output()).isZero();
            try {
                check.check(dir);
            } finally {
                Result u = run("umount", dir.toString());
                assertThat(u.exitCode()).as("umount: %s", u.output()).isZero();
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    interface MountCheck {
        void check(Path root) throws IOException;
    }

    static List<Item> items(Item... items) {
        return new ArrayList<>(List.of(items));
    }
}
