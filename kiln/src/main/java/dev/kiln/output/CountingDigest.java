package dev.kiln.output;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts and hashes what passes through to an output, so that a streamed output's size and
 * SHA-256 cost no second read.
 */
final class CountingDigest extends FilterOutputStream {
    private final MessageDigest sha256;
    private long count;

    CountingDigest(OutputStream out) {
        super(out);
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        sha256.update(b, off, len);
        count += len;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    long count() {
        return count;
    }

    /** "sha256:HEX"; call once, after the last write. */
    String digest() {
        return "sha256:" + HexFormat.of().formatHex(sha256.digest());
    }
}
