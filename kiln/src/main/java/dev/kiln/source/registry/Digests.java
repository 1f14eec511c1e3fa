package dev.kiln.source.registry;

import dev.kiln.UnsupportedInput;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** sha256 content digests ("sha256:" + 64 hex digits), the only algorithm registries use in practice. */
final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");

    private Digests() {
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        return format(newSha256().digest(bytes));
    }

    static String format(byte[] hash) {
        return "sha256:" + HexFormat.of().formatHex(hash);
    }

    /** The hex part of a digest, after checking it is a well-formed sha256 digest. */
    static String hex(String digest) {
        if (!SHA256.matcher(digest).matches()) {
            throw new UnsupportedInput(digest, "unsupported or malformed digest (only sha256 is supported)");
        }
        return digest.substring("sha256:".length());
    }

    /** Feeds the first {@code length} bytes of {@code file} into {@code md}. */
    static void update(MessageDigest md, Path file, long length) throws IOException {
        if (length <= 0) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
    }
}
