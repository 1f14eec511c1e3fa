package dev.kiln.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;

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
}
