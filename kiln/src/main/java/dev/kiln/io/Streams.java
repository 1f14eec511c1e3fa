package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;

/** Small helpers for the stream classes of several stages. */
public final class Streams {
    private Streams() {
    }

    /**
     * {@link InputStream#read()} for a stream whose real work (hashing, counting, checking) is
     * in its bulk read, so that single-byte reads take the same path.
     */
    public static int readOneByte(InputStream in) throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = in.read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
    }
}
