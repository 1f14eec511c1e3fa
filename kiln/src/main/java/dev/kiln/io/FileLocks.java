package dev.kiln.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/** File locks shared between kiln processes (the blob cache, an OCI layout's index). */
public final class FileLocks {
    private FileLocks() {
    }

    /**
     * Takes the file lock without ever blocking in the kernel. A blocking fcntl lock can fail with
     * EDEADLK ("Resource deadlock avoided"): the kernel sees each process as one lock owner, so a
     * thread of A waiting for a blob that B is fetching, while a thread of B waits for one that A
     * is fetching, looks like a cycle although each thread holds only one lock. Polling with a
     * growing pause (up to a quarter second) sidesteps the detection; the waiter then finds the
     * blob that the other process finished.
     *
     * <p>POSIX record locks belong to a process, not a thread: callers first agree among their
     * own threads (a {@code ReentrantLock} per file) and only then take this lock.
     */
    public static FileLock lockPolling(FileChannel channel, String what) throws IOException {
        long pauseMillis = 2;
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(what + ": interrupted while another process holds it");
            }
            pauseMillis = Math.min(250, pauseMillis * 2);
        }
    }
    /** A lock held on a lock file, released with the file's channel. */
    public static final class Held implements AutoCloseable {
        private final FileChannel channel;
        private final FileChannel check;
        private final FileLock lock;

        private Held(FileChannel channel, FileChannel check, FileLock lock) {
            this.channel = channel;
            this.check = check;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try (channel; check) {
                lock.release();
            }
        }
    }

    /**
     * Locks the file {@code lockFile} names (creating it), as {@link #lockPolling}, and proves
     * the lock is on that file: a cleaner (`kiln cache prune`) may delete an idle lock file
     * between this open and this lock, and another process then create a new one, so two
     * processes would hold "the" lock at once. Once locked, this writes a token of its own into
     * the file and reads it back through the path: another token, or none, means the lock is
     * on a deleted file, and it starts over. The second channel stays open until the lock is
     * released, because closing any channel of a file drops this process's locks on it.
     */
    public static Held lockPath(Path lockFile, String what) throws IOException {
        return lockPath(lockFile, what, () -> { });
    }

    /** {@code betweenOpenAndLock} lets a test be the cleaner that strikes in that gap. */
    static Held lockPath(Path lockFile, String what, IoAction betweenOpenAndLock) throws IOException {
        byte[] token = new byte[16];
        while (true) {
            ThreadLocalRandom.current().nextBytes(token);
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileChannel check = null;
            try {
                betweenOpenAndLock.run();
                FileLock lock = lockPolling(channel, what);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(token), 0);
                try {
                    check = FileChannel.open(lockFile, StandardOpenOption.READ);
                } catch (NoSuchFileException deleted) {
                    check = null;
                }
                if (check != null && tokenIs(check, token)) {
                    return new Held(channel, check, lock);
                }
            } catch (IOException | RuntimeException e) {
                closeBoth(channel, check);
                throw e;
            }
            closeBoth(channel, check);
        }
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    private static boolean tokenIs(FileChannel check, byte[] token) throws IOException {
        ByteBuffer read = ByteBuffer.allocate(token.length + 1);
        while (check.read(read, read.position()) > 0 && read.hasRemaining()) {
            // a short file ends the loop
        }
        return read.position() == token.length && read.flip().equals(ByteBuffer.wrap(token));
    }

    private static void closeBoth(FileChannel channel, FileChannel check) throws IOException {
        try (channel; check) {
            // closing is the point
        }
    }
}
