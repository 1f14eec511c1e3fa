package dev.kiln.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hidden temporaries that a later run can prove dead and remove: a shutdown hook cleans up
 * after Ctrl-C, but nothing runs after SIGKILL or a power cut.
 *
 * <p>Every temporary belongs to a {@link Claim}: a stem {@code .LABEL.kiln-HEX} (16 hex digits)
 * in a directory, whose files are {@code STEM.tmp}, maybe {@code STEM.old}, and {@code STEM.lock},
 * on which the owning process holds an exclusive file lock for as long as it lives; the kernel
 * drops that lock when the process dies, however it dies. The lock file is created first and
 * deleted last, so a stem's other files without a lock file are dead too. {@link #sweep} (run
 * before this process's first claim in a directory) removes every stem whose lock it can take.
 *
 * <p>POSIX locks belong to the process, and closing any channel of a file drops this process's
 * lock on it: the sweep never opens a lock file of a claim this process holds ({@link #LIVE}).
 * It removes only what the user it runs as owns: another user's leftovers are theirs, and in a
 * shared directory (TMPDIR) a directory planted by someone else could be swapped for a symlink
 * while it is being emptied.
 */
public final class Temporaries {
    /** {@code .LABEL.kiln-HEX.SUFFIX}; older Kiln versions used shorter random parts and no lock, left alone. */
    private static final Pattern NAME = Pattern.compile("^(\\..+\\.kiln-[0-9a-f]{16})\\.(tmp|old|lock)$");

    /** Stems this process holds (absolute paths without suffix). */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    /** Directories this process has swept already: once is enough for a short-lived process. */
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private Temporaries() {
    }

    /**
     * Claims a new stem in {@code dir} named after {@code label} (the target's file name, or what
     * a scratch file is for): its lock is held until {@link Claim#release}.
     */
    public static Claim claim(Path dir, String label) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (SWEPT.add(absolute)) {
            sweep(absolute);
        }
        while (true) {
            String hex = String.format("%016x", ThreadLocalRandom.current().nextLong());
            Path stem = absolute.resolve("." + label + ".kiln-" + hex);
            Path lockFile = Path.of(stem + ".lock");
            LIVE.add(stem);
            FileChannel channel;
            try {
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                LIVE.remove(stem);
                continue;
            } catch (IOException | RuntimeException e) {
                LIVE.remove(stem);
                throw e;
            }
            FileLock lock = channel.tryLock();
            // Between the create and the lock another run's sweep may have taken the lock and
            // deleted the file: then this lock is on a file no one can see; take another name.
            if (lock == null || !Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                channel.close();
                LIVE.remove(stem);
                continue;
            }
            return new Claim(stem, channel);
        }
    }

    /** A live stem: its files, and the lock that proves it is in use. */
    public static final class Claim {
        private final Path stem;
        private final FileChannel lock;
        private boolean released;

        private Claim(Path stem, FileChannel lock) {
            this.stem = stem;
            this.lock = lock;
        }

        /** {@code STEM.tmp}: the temporary itself (the caller creates it). */
        public Path temporary() {
            return Path.of(stem + ".tmp");
        }

        /** {@code STEM.old}: where a file being replaced is kept until the replacement is final. */
        public Path aside() {
            return Path.of(stem + ".old");
        }

        /**
         * Deletes the temporary (unless {@code keepTemporary}: it was renamed into place) and what
         * was set aside, then the lock file, then lets go of the lock. Idempotent.
         */
        public synchronized void release() throws IOException {
            if (released) {
                return;
            }
            released = true;
            try {
                deleteRecursively(temporary());
                deleteRecursively(aside());
                Files.deleteIfExists(Path.of(stem + ".lock"));
            } finally {
                lock.close();
                LIVE.remove(stem);
            }
        }
    }

    /**
     * Removes the dead stems in {@code dir}: those whose lock file some process could take, and
     * the files of a stem that has no lock file. A stem set aside while its target was being
     * replaced ({@code STEM.old} of {@code .NAME.kiln-HEX}) goes back to {@code NAME} when NAME
     * is missing: the run died between moving the old output away and renaming the new one in.
     * Best effort: whatever cannot be removed now stays for a later run.
     */
    public static void sweep(Path dir) {
        Map<Path, Set<String>> stems = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, ".*.kiln-*")) {
            for (Path p : entries) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    stems.computeIfAbsent(dir.resolve(m.group(1)), k -> new HashSet<>()).add(m.group(2));
                }
            }
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (Map.Entry<Path, Set<String>> e : stems.entrySet()) {
            if (!LIVE.contains(e.getKey())) {
                try {
                    sweepStem(e.getKey(), e.getValue().contains("lock"));
                } catch (IOException | RuntimeException ignored) {
                    // in use, or not ours to remove: left for a later run
                }
            }
        }
    }

    private static void sweepStem(Path stem, boolean hasLock) throws IOException {
        for (String suffix : new String[] {".tmp", ".old", ".lock"}) {
            if (!ownedByThisUser(Path.of(stem + suffix))) {
                return;   // another user's: not ours to judge (and, in a shared directory, a possible trap)
            }
        }
        Path lockFile = Path.of(stem + ".lock");
        // A listing is no snapshot: it may have missed a lock file created (first) while it ran.
        if (!hasLock && !Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            removeDead(stem);
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
             FileLock lock = channel.tryLock()) {
            if (lock == null) {
                return;   // its process is alive
            }
            removeDead(stem);
            Files.deleteIfExists(lockFile);
        } catch (NoSuchFileException | OverlappingFileLockException e) {
            // released meanwhile, or held by this process after all
        }
    }

    private static void removeDead(Path stem) throws IOException {
        deleteRecursively(Path.of(stem + ".tmp"));
        Path aside = Path.of(stem + ".old");
        if (Files.exists(aside, LinkOption.NOFOLLOW_LINKS)) {
            Path target = originalTarget(stem);
            if (target != null && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(aside, target);
            } else {
                deleteRecursively(aside);
            }
        }
    }

    /** The user this process runs as (the owner of /proc/PID); null when it cannot be told. */
    private static final Integer USER = uidOf(Path.of("/proc", String.valueOf(ProcessHandle.current().pid())));

    private static Integer uidOf(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Absent, or owned by this process's user; without /proc nothing counts as owned. */
    private static boolean ownedByThisUser(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        Integer owner = uidOf(path);
        return USER != null && USER.equals(owner);
    }

    /** {@code .NAME.kiln-HEX} -> {@code NAME}. */
    private static Path originalTarget(Path stem) {
        String name = stem.getFileName().toString();
        int kiln = name.lastIndexOf(".kiln-");
        return kiln <= 1 ? null : stem.resolveSibling(name.substring(1, kiln));
    }

    /** Deletes a file, or a directory with everything in it, never following a symlink. */
    public static void deleteRecursively(Path path) throws IOException {
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
