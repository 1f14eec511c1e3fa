package dev.kiln.source.oci;

import dev.kiln.DigestMismatch;
import dev.kiln.UnsupportedInput;
import dev.kiln.io.Streams;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * Passes a blob through while hashing it; at the end of the stream checks the byte count and the
 * digest against the descriptor, so a corrupt or truncated blob fails the read that reaches it.
 * Reading past the declared size fails at once (a blob may not grow).
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final String digest;
    private final long expectedSize;
    private final MessageDigest hash;
    private final String expectedHex;
    private long count;
    private boolean verified;
    private UnaryOperator<DigestMismatch> onCorrupt = UnaryOperator.identity();

    /**
     * @param digest        "sha256:HEX" (sha512 also accepted)
     * @param expectedSize  the descriptor's size, or -1 when the source does not state one
     */
    public VerifyingInputStream(InputStream in, String digest, long expectedSize) {
        super(in);
        this.digest = digest;
        this.expectedSize = expectedSize;
        int colon = digest.indexOf(':');
        String algorithm = colon < 0 ? "" : digest.substring(0, colon);
        this.expectedHex = colon < 0 ? "" : digest.substring(colon + 1);
        this.hash = newDigest(digest, algorithm);
    }

    static MessageDigest newDigest(String digest, String algorithm) {
        String javaName = switch (algorithm) {
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> throw new UnsupportedInput(digest, "unsupported digest algorithm");
        };
        try {
            return MessageDigest.getInstance(javaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            verify();
            return -1;
        }
        hash.update(b, off, n);
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw corrupt(DigestMismatch.size(digest, count, expectedSize));
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be hashed.
        byte[] buf = new byte[(int) Math.min(n, 65536)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /**
     * Lets the store react to a corrupt copy (a cache evicts it): called with the size or digest
     * mismatch, it returns the error to throw (the same, or one that says what the store did).
     */
    public void onCorrupt(UnaryOperator<DigestMismatch> handler) {
        this.onCorrupt = handler;
    }

    private DigestMismatch corrupt(DigestMismatch mismatch) {
        return onCorrupt.apply(mismatch);
    }

    private void verify() {
        if (verified) {
            return;
        }
        verified = true;
        if (expectedSize >= 0 && count != expectedSize) {
            throw corrupt(DigestMismatch.size(digest, count, expectedSize));
        }
        String actual = HexFormat.of().formatHex(hash.digest());
        if (!actual.equalsIgnoreCase(expectedHex)) {
            throw corrupt(DigestMismatch.hashes(digest, digest, "blob content",
                    digest.substring(0, digest.indexOf(':') + 1) + actual));
        }
    }
}
