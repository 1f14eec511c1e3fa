package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.io.FileKinds;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
        Path absolute = checkFileTarget(target);
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
        Path absolute = checkDirectoryTarget(target, ownFiles);
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
        commitAll(List.of(this));
    }

    /**
     * Publishes several outputs together. Every temporary is synced first (data before names:
     * after a crash each target is its old file or the whole new one), then each is renamed into
     * place with the file it replaces kept aside; if a rename fails, the ones already done are
     * undone, so a failed build leaves every earlier output as it was.
     */
    public static void commitAll(List<AtomicOutput> outputs) throws IOException {
        for (AtomicOutput out : outputs) {
            if (out.target == null) {
                throw new IllegalStateException("a scratch file is never committed");
            }
            syncTree(out.temporary);
        }
        List<Published> done = new ArrayList<>();
        try {
            for (AtomicOutput out : outputs) {
                done.add(out.publish());
            }
        } catch (IOException | RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                try {
                    done.get(i).undo();
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
        for (Published p : done) {
            p.discardPrevious();
        }
    }

    /** An output renamed into place, and what was at its target before (null: nothing). */
    private record Published(AtomicOutput output, Path previous) {
        void undo() throws IOException {
            output.committed = false;
            Files.move(output.target, output.temporary, StandardCopyOption.ATOMIC_MOVE);
            if (previous != null) {
                Files.move(previous, output.target, StandardCopyOption.ATOMIC_MOVE);
            }
        }

        void discardPrevious() throws IOException {
            if (previous != null) {
                deleteRecursively(previous);
            }
        }
    }

    private Published publish() throws IOException {
        boolean directory = Files.isDirectory(temporary, LinkOption.NOFOLLOW_LINKS);
        boolean movedAside = false;
        Path previous = null;
        String kind = FileKinds.kind(target);
        if (kind != null) {
            // Checked before the build; checked again, since the build took a while.
            boolean oldIsDirectory = kind.equals(FileKinds.DIRECTORY);
            if (oldIsDirectory != directory) {
                throw new IOException(target + (oldIsDirectory ? ": is a directory now" : ": is no longer a directory")
                        + "; nothing was replaced");
            }
            if (!directory && !kind.equals(FileKinds.REGULAR)) {
                throw new IOException(target + ": is " + kind + " now; nothing was replaced");
            }
            previous = temporaryBeside(target);
            if (!directory) {
                // A second name keeps the old file for an undo, while the rename below still
                // replaces the target in one step.
                try {
                    Files.createLink(previous, target);
                } catch (IOException | UnsupportedOperationException noHardLinks) {
                    movedAside = true;
                }
            }
            if (directory || movedAside) {
                // A directory cannot be renamed over a non-empty one: the old one moves aside.
                Files.move(target, previous, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (previous != null) {
                if (directory || movedAside) {
                    Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.delete(previous);
                }
            }
            throw e;
        }
        committed = true;
        return new Published(this, previous);
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

    /**
     * Checks, without changing anything, that a file output may go to {@code target}: nothing is
     * there, or a regular file. Anything else (a device node such as /dev/null, a FIFO, a
     * symlink, a directory) is refused: the rename that publishes the output would replace it.
     * Returns the absolute target.
     */
    public static Path checkFileTarget(Path target) throws IOException {
        Path absolute = checkParent(target);
        String kind = FileKinds.kind(absolute);
        if (kind != null && !kind.equals(FileKinds.REGULAR)) {
            throw new KilnException(target + ": is " + kind + "; Kiln replaces only a regular file (or creates a "
                    + "new one) there; remove it or choose another path");
        }
        return absolute;
    }

    /**
     * Checks, without changing anything, that a directory output may go to {@code target}: nothing
     * is there, or a directory (not a symlink to one) holding nothing but {@code ownFiles} (an
     * earlier output of the same kind). Returns the absolute target.
     */
    public static Path checkDirectoryTarget(Path target, Set<String> ownFiles) throws IOException {
        Path absolute = checkParent(target);
        String kind = FileKinds.kind(absolute);
        if (kind == null) {
            return absolute;
        }
        if (!kind.equals(FileKinds.DIRECTORY)) {
            throw new KilnException(target + ": is " + kind + ", not a directory Kiln wrote; remove it or choose "
                    + "another path");
        }
        try (var children = Files.list(absolute)) {
            List<String> foreign = children.map(c -> c.getFileName().toString())
                    .filter(name -> !ownFiles.contains(name)).sorted().toList();
            if (!foreign.isEmpty()) {
                throw new KilnException(target + ": exists and holds " + foreign
                        + ", which Kiln did not write; remove it or choose another path");
            }
        }
        return absolute;
    }

    private static Path checkParent(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        String name = absolute.getFileName() == null ? "" : absolute.getFileName().toString();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new KilnException(target + ": not a usable output path; name a file or directory to create");
        }
        Path dir = absolute.getParent();
        if (dir == null || !Files.exists(dir)) {
            throw new KilnException(target + ": directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new KilnException(target + ": " + dir + " is not a directory");
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
