package dev.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks an ext4 image with e2fsprogs and the kernel, never with Kiln's own reader. */
public final class Ext4Image {
    private Ext4Image() {
    }

    /** {@code e2fsck -fn} must find nothing to fix. */
    public static void assertClean(Path image) {
        Tools.Result r = Tools.run("e2fsck", "-fn", image.toString());
        assertThat(r.exitCode()).as("e2fsck -fn %s:%n%s", image, r.output()).isZero();
    }

    /**
     * Runs one debugfs request against the image and returns what it printed. debugfs exits 0
     * even when a request fails, so its error lines ("... while ...", "... not found ...") fail here.
     */
    public static String debugfs(Path image, String request) {
        Tools.Result r = Tools.run("debugfs", "-R", request, image.toString());
        assertThat(r.exitCode()).as("debugfs -R '%s':%n%s", request, r.output()).isZero();
        assertThat(debugfsErrors(r)).as("debugfs -R '%s' reported an error", request).isEmpty();
        return r.stdout();
    }

    /** Asserts that {@code path} does not exist in the image (debugfs's own lookup says so). */
    public static void assertAbsent(Path image, String path) {
        Tools.Result r = Tools.run("debugfs", "-R", "stat " + path, image.toString());
        assertThat(r.stderr()).as("debugfs stat %s", path).contains("File not found by ext2_lookup");
    }

    private static java.util.List<String> debugfsErrors(Tools.Result r) {
        return r.stderr().lines().filter(l -> !l.startsWith("debugfs ") && !l.isBlank()).toList();
    }

    /** A loop mount that is undone on close. */
    public static final class Mount implements AutoCloseable {
        private final Path dir;

        private Mount(Path dir) {
            this.dir = dir;
        }

        public Path dir() {
            return dir;
        }

        @Override
        public void close() {
            Tools.Result r = Tools.run("umount", dir.toString());
            assertThat(r.exitCode()).as("umount %s: %s", dir, r.output()).isZero();
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Loop-mounts the image (read-only unless {@code writable}); needs root. */
    public static Mount mount(Path image, boolean writable) {
        Tools.assumeRoot();
        try {
            Path dir = Files.createTempDirectory("kiln-mount");
            Tools.check("mount", "-t", "ext4", "-o", "loop," + (writable ? "rw" : "ro"), image.toString(), dir.toString());
            return new Mount(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
