package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.PathFailure;
import dev.kiln.io.FileKinds;
import dev.kiln.io.Temporaries;

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

/**
 * A file (or directory) that appears at its target path only when {@link #commit()} runs:
 * until then it lives as a hidden temporary beside the target, so a rename publishes it
 * atomically and an existing file at the target stays untouched on failure. Closing without
 * committing deletes the temporary, as does the JVM's shutdown (Ctrl-C) before a commit.
 * A run killed outright (SIGKILL) leaves it behind, under a lock that died with the run:
 * the next run that writes into the same directory removes it ({@link Temporaries}).
 */
public final class AtomicOutput implements AutoCloseable {
    private final Path target;
    private final Temporaries.Claim claim;
    private final Path temporary;
    private final Thread cleanup;

    private AtomicOutput(Path target, Temporaries.Claim claim) {
        this.target = target;
        this.claim = claim;
        this.temporary = claim.temporary();
        this.cleanup = new Thread(this::releaseQuietly, "kiln-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Reserves a temporary file beside {@code target}. */
    public static AtomicOutput file(Path target) throws IOException {
        Path absolute = checkFileTarget(target);
        return create(absolute, claimBeside(target, absolute), false);
    }

    /** A claim beside the target; failing, the message starts with the target the user named. */
    private static Temporaries.Claim claimBeside(Path target, Path absolute) throws IOException {
        try {
            return Temporaries.claim(absolute.getParent(), absolute.getFileName().toString());
        } catch (java.nio.file.FileSystemException e) {
            // the reason alone: the lock file it failed on is Kiln's, not a name the user knows
            throw KilnException.hidingDetail(target + ": cannot create files in " + absolute.getParent()
                    + " (" + PathFailure.reason(e) + ")", e);
        }
    }

    /**
     * Reserves a temporary directory beside {@code target} (for outputs made of several files).
     * An existing directory there is replaced only when it holds nothing but {@code ownFiles}
     * (an earlier output of the same kind); anything else is refused, never deleted.
     */
    public static AtomicOutput directory(Path target, Set<String> ownFiles) throws IOException {
        Path absolute = checkDirectoryTarget(target, ownFiles);
        return create(absolute, claimBeside(target, absolute), true);
    }

    /**
     * A scratch file in {@code directory} that is never published: it is deleted on close, and
     * by the shutdown hook if the build is interrupted (Ctrl-C) first. {@code label} says what
     * it is for ("kiln-spool"; dots before and dashes after it are dropped), in its name.
     */
    public static AtomicOutput scratch(Path directory, String label) throws IOException {
        String name = label.replaceAll("^\\.+|-+$", "");
        return create(null, Temporaries.claim(directory, name.isEmpty() ? "kiln-scratch" : name), false);
    }

    private static AtomicOutput create(Path target, Temporaries.Claim claim, boolean directory) throws IOException {
        try {
            if (directory) {
                Files.createDirectory(claim.temporary());
            } else {
                Files.createFile(claim.temporary());
            }
            return new AtomicOutput(target, claim);
        } catch (IOException | RuntimeException e) {
            claim.release();
            throw e;
        }
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
            p.output.claim.release();   // published: nothing of it is left to protect
        }
    }

    /** An output renamed into place, and what was at its target before (null: nothing). */
    private record Published(AtomicOutput output, Path previous) {
        void undo() throws IOException {
            Files.move(output.target, output.temporary, StandardCopyOption.ATOMIC_MOVE);
            if (previous != null) {
                Files.move(previous, output.target, StandardCopyOption.ATOMIC_MOVE);
            }
        }

        void discardPrevious() throws IOException {
            if (previous != null) {
                Temporaries.deleteRecursively(previous);
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
            previous = claim.aside();
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
        return new Published(this, previous);
    }

    /** Deletes the temporary unless it was committed, and lets go of its claim. */
    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook runs and cleans up
        }
        claim.release();
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
                    + "new one) there; remove it or choose another path"
                    + (target.toString().startsWith("/dev/") ? " (- is standard output, for tar and initramfs)" : ""));
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

    private void releaseQuietly() {
        try {
            claim.release();
        } catch (IOException ignored) {
            // best effort while the JVM exits; a later run removes what is left
        }
    }
}
