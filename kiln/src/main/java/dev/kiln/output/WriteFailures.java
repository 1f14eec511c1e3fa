package dev.kiln.output;

import dev.kiln.PathFailure;

import java.io.IOException;

/**
 * A plain IOException from a write carries only the system's error text ("No space left on
 * device"), no path: the output being written is the one to name.
 */
final class WriteFailures {
    private WriteFailures() {
    }

    /**
     * For {@code catch (IOException e) { throw named(writing, e); }}: a write failure that names
     * no path is thrown here, as a {@link PathFailure} on {@code writing}; any other comes back
     * to be thrown as it is.
     */
    static IOException named(String writing, IOException e) {
        PathFailure named = PathFailure.ofWrite(writing, e).orElse(null);
        if (named != null) {
            throw named;
        }
        return e;
    }
}
