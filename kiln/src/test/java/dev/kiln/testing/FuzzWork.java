package dev.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the whole-build fuzz tests share: one work directory per test class holding a directory
 * per case, and the rule every error line they provoke is held to.
 */
public final class FuzzWork {
    private final String prefix;
    private Path root;

    /** @param prefix names the work directory in the temporary directory */
    public FuzzWork(String prefix) {
        this.prefix = prefix;
    }

    /** A new, empty directory for one case. */
    public synchronized Path newCase() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory(prefix);
        }
        return Files.createTempDirectory(root, "case");
    }

    /** Removes every case left (call from the test class's @AfterContainer). */
    public synchronized void cleanUp() {
        if (root != null) {
            delete(root);
        }
    }

    /** Deletes a directory and everything in it. */
    public static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line in Kiln's words: no Java class, no index or parse internals of a library. */
    public static void assertCleanErrorLine(String line, Object failure) {
        assertThat(line).as("the error line for %s", failure).doesNotContain("\n", "\r")
                .doesNotContainPattern("Exception|java\\.|\\bIndex -?\\d+|out of bounds|For input string|ZLIB");
    }
}
