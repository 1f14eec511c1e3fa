package dev.kiln.inflate;

import java.io.IOException;
import java.io.InputStream;

/**
 * The compressed bytes, buffered, with their position in the input. Keeps a few bytes of room
 * before the unread ones so that the native decoder's read-ahead past a member's deflate data
 * (at most 8 bytes, which may have come from an earlier fill) can be put back.
 */
final class CompressedInput {
    static final int HEADROOM = 8;
    private final InputStream raw;
    final byte[] buf;
    /** The unread bytes are buf[pos, limit). */
    int pos = HEADROOM;
    int limit = HEADROOM;
    /** Position in the input of buf[0]. */
    private long base = -HEADROOM;
    private boolean ended;

    CompressedInput(InputStream raw, int size) {
        this.raw = raw;
        this.buf = new byte[HEADROOM + size];
    }

    int available() {
        return limit - pos;
    }

    /** The raw input has said it has ended. */
    boolean ended() {
        return ended;
    }

    /** Position in the compressed input of the next unread byte. */
    long position() {
        return base + pos;
    }

    /** Reads more input after the unread bytes; false at the end of the input. */
    boolean fill() throws IOException {
        if (pos > HEADROOM) {
            int unread = limit - pos;
            System.arraycopy(buf, pos, buf, HEADROOM, unread);
            base += pos - HEADROOM;
            pos = HEADROOM;
            limit = HEADROOM + unread;
        }
        if (limit == buf.length) {
            return true;
        }
        if (ended) {
            return false; // never read an ended input again: it may be closed by now
        }
        int n;
        do {
            n = raw.read(buf, limit, buf.length - limit);
        } while (n == 0);
        if (n < 0) {
            ended = true;
            return false;
        }
        limit += n;
        return true;
    }

    /** The next byte, or -1 at the end of the input. */
    int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /** Unreads {@code count} (at most 8) bytes, {@code bytes}' lowest first. */
    void unread(long bytes, int count) {
        if (count < 0 || count > HEADROOM || pos - count < 0) {
            throw new IllegalStateException("cannot unread " + count + " bytes at " + pos);
        }
        pos -= count;
        for (int i = 0; i < count; i++) {
            buf[pos + i] = (byte) (bytes >>> (8 * i));
        }
    }

    void close() throws IOException {
        raw.close();
    }
}
