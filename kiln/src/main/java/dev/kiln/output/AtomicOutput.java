package dev.kiln.output;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
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

    /**
     * Reserves a temporary directory beside {@code target} (for outputs made of several files).
     * An existing directory there is replaced only when it holds nothing but {@code ownFiles}
     * (an earlier output of the same kind); anything else is refused, never deleted.
     */
    public static AtomicOutput directory(Path target, Set<String> ownFiles) throws IOException {
        Path absolute = checkTarget(target);
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(target + ": exists and is not a directory");
            }
            try (var children = Files.list(absolute)) {
                List<String> foreign = children.map(c -> c.getFileName().toString())
                        .filter(name -> !ownFiles.contains(name)).sorted().toList();
                if (!foreign.isEmpty()) {
                    throw new IOException(target + ": exists and holds " + foreign
                            + ", which Kiln did not write; remove it or choose another path");
                }
            }
        }
        Path temporary = temporaryBeside(absolute);
        Files.createDirectory(temporary);
        return new AtomicOutput(absolute, temporary);
    }

    /**
     * A scratch file in {@code directory} that is never published: it is deleted on close, and
     * by the shutdown hook if the build is interrupted (Ctrl-C) first.
     */
    public static AtomicOutput scratch(Path directory, String prefix) throws IOException {
        Path temporary = Files.createTempFile(directory, prefix, ".tmp");
        return new AtomicOutput(null, temporary);
    }

    public Path temporary() {
        return temporary;
    }

    public Path target() {
        return target;
    }

    /** Publishes the temporary at the target path, replacing what was there. */
    public void commit() throws IOException {
        if (target == null) {
            throw new IllegalStateException("a scratch file is never committed");
        }
        // Data first, name second: after a crash the target is the old file or the whole new one.
        syncTree(temporary);
        Path previous = null;
        if (Files.isDirectory(temporary) && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            // A directory cannot be renamed over a non-empty one: move the old one aside first,
            // so that a failure in between can put it back instead of losing both.
            previous = temporaryBeside(target);
            Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (previous != null) {
                Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        committed = true;
        if (previous != null) {
            deleteRecursively(previous);
        }
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

    private static void syncTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (var children = Files.list(path)) {
                for (Path child : (Iterable<Path>) children::iterator) {
                    syncTree(child);
                }
            }
        } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }

    private static Path checkTarget(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        String name = absolute.getFileName() == null ? "" : absolute.getFileName().toString();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IOException(target + ": not a usable output path; name a file or directory to create");
        }
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
