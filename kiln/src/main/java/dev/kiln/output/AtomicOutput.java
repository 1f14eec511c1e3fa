package dev.kiln.output;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A file (or directory) that appears at its target path only when {@link #commit()} runs:
 * until then it lives as a hidden temporary beside the target, so a rename publishes it
 * atomically and an existing file at the target stays untouched on failure. Closing without
 * committing deletes the temporary, as does the JVM's shutdown (Ctrl-C) before a commit.
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Path temporary;
    private final Thread cleanup;
    private volatile boolean committed;

    private AtomicOutput(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
        this.cleanup = new Thread(this::deleteTemporary, "kiln-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Reserves a temporary file beside {@code target}. */
    public static AtomicOutput file(Path target) throws IOException {
        Path absolute = checkTarget(target);
        if (Files.isDirectory(absolute)) {
            throw new IOException(target + ": is a directory");
        }
        Path temporary = temporaryBeside(absolute);
        Files.createFile(temporary);
        return new AtomicOutput(absolute, temporary);
    }

    /** Reserves a temporary directory beside {@code target} (for outputs made of several files). */
    public static AtomicOutput directory(Path target) throws IOException {
        Path absolute = checkTarget(target);
        Path temporary = temporaryBeside(absolute);
        Files.createDirectory(temporary);
        return new AtomicOutput(absolute, temporary);
    }

    public Path temporary() {
        return temporary;
    }

    public Path target() {
        return target;
    }

    /** Publishes the temporary at the target path, replacing what was there. */
    public void commit() throws IOException {
        if (Files.isDirectory(temporary) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            deleteRecursively(target);
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook runs and cleans up
        }
        if (!committed) {
            deleteRecursively(temporary);
        }
    }

    private static Path checkTarget(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException(target + ": directory " + dir + " does not exist");
        }
        return absolute;
    }

    private static Path temporaryBeside(Path absolute) {
        return absolute.resolveSibling("." + absolute.getFileName() + ".kiln-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + ".tmp");
    }

    private void deleteTemporary() {
        if (!committed) {
            try {
                deleteRecursively(temporary);
            } catch (IOException ignored) {
                // best effort while the JVM exits
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (var children = Files.list(path)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    deleteRecursively(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
