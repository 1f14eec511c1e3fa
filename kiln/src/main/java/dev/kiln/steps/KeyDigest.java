package dev.kiln.steps;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A SHA-256 over typed fields, each written with its length, so that no two different field
 * sequences hash alike ("ab","c" and "a","bc" differ). What the step cache keys are made of.
 */
final class KeyDigest {
    private final MessageDigest md;

    KeyDigest(String domain) {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        text(domain);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    KeyDigest bytes(byte[] b) {
        if (b == null) {
            md.update((byte) 0);
            return this;
        }
        md.update((byte) 1);
        number(b.length);
        md.update(b);
        return this;
    }

    KeyDigest text(String s) {
        return bytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    KeyDigest number(long n) {
        md.update(ByteBuffer.allocate(8).putLong(n).array());
        return this;
    }

    KeyDigest texts(List<String> list) {
        number(list.size());
        list.forEach(this::text);
        return this;
    }

    /** The digest as 64 hex digits; this object is spent. */
    String hex() {
        return HexFormat.of().formatHex(md.digest());
    }
}
