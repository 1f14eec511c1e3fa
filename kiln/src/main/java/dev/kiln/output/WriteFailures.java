package dev.kiln.output;

import dev.kiln.KilnException;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Set;

/**
 * A plain IOException from a write carries only the system's error text ("No space left on
 * device"), no path: the output being written is the one to name.
 */
final class WriteFailures {
    /** Error texts (strerror) that only writing can cause. */
    private static final Set<String> TEXTS = Set.of("No space left on device", "Disk quota exceeded",
            "File too large", "Read-only file system");

    private WriteFailures() {
    }

    /** Whether {@code e} is a write failure that names no path (the caller knows which one). */
    static boolean isWriteFailure(IOException e) {
        return !(e instanceof FileSystemException) && e.getMessage() != null
                && TEXTS.contains(e.getMessage().strip());
    }

    /**
     * For {@code catch (IOException e) { throw named(writing, e); }}: such a failure is thrown
     * here, as a KilnException whose message is {@code writing}; any other comes back to be
     * thrown as it is.
     */
    static IOException named(String writing, IOException e) {
        if (isWriteFailure(e)) {
            throw new KilnException(writing, e);
        }
        return e;
    }
}
