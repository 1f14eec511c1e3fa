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
import java.util.concurrent.TimeUnit;

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

    static Item dir(String path, Attributes a) {
        return w -> w.directory(b(path), a);
    }

    static Item file(String path, Attributes a, byte[] content) {
        return w -> w.file(b(path), a, content.length, new ByteArrayInputStream(content));
    }

    static Item file(String path, Attributes a, long size, InputStream content) {
        return w -> w.file(b(path), a, size, content);
    }

    static Item symlink(String path, String target) {
        return w -> w.symlink(b(path), attrs(0777), b(target));
    }

    static Item hardLink(String path, String target) {
        return w -> w.hardLink(b(path), b(target));
    }

    static Item special(String path, SpecialType type, int major, int minor) {
        return w -> w.special(b(path), attrs(0644), type, major, minor);
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

    static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
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
                run("umount", dir.toString());
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
