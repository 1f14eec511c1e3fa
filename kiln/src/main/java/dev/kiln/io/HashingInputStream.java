package dev.kiln.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An entry's content, hashed (SHA-256) and counted as whoever consumes it reads it; skipped
 * bytes are read and hashed too. Closing it does not close the stream it wraps: that belongs
 * to the entries' producer, which closes it when its stream moves on.
 */
public final class HashingInputStream extends FilterInputStream {
    private final MessageDigest md;
    private long count;
    private String hex;

    public HashingInputStream(InputStream in) {
        super(in);
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (hex != null) {
            return -1;
        }
        int n = in.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int got = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (got < 0) {
                break;
            }
            done += got;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;   // a reset would hash bytes twice
    }

    @Override
    public void mark(int readlimit) {
    }

    @Override
    public void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    @Override
    public void close() {
        // the wrapped stream is its producer's to close
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    /**
     * Reads what the consumer left to the end and returns the hex SHA-256 of everything; the
     * same value on every later call. Call it while the wrapped stream is still valid.
     */
    public String finish() throws IOException {
        if (hex == null) {
            transferTo(OutputStream.nullOutputStream());
            hex = HexFormat.of().formatHex(md.digest());
        }
        return hex;
    }

    /**
     * The hex SHA-256 of the bytes read so far, without reading more (the wrapped stream may be
     * gone by now); later reads return the end of the stream. With {@link #count} it tells
     * whether a consumer read a whole file of known size.
     */
    public String digestOfRead() {
        if (hex == null) {
            hex = HexFormat.of().formatHex(md.digest());
        }
        return hex;
    }
}
