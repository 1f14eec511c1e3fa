package dev.kiln;

/**
 * Content that is not what its digest (or its descriptor's size) says: a corrupt download, a
 * damaged cache entry, a registry that sent something else. Kiln never uses such content.
 *
 * <p>Callers branch on the type: a cache drops its copy ({@link #withHint} then says so), and a
 * decoder reports this rather than the decoding error the same damage usually causes first.
 */
public final class DigestMismatch extends KilnException {
    private final String subject;
    private final String digest;
    private final String content;
    private final String actual;
    private final long actualSize;
    private final long expectedSize;
    private final String hint;

    private DigestMismatch(String subject, String digest, String content, String actual, long actualSize,
                           long expectedSize, String hint) {
        super(message(subject, content, actual, actualSize, expectedSize, hint));
        this.subject = subject;
        this.digest = digest;
        this.content = content;
        this.actual = actual;
        this.actualSize = actualSize;
        this.expectedSize = expectedSize;
        this.hint = hint;
    }

    /**
     * Content that hashes to another digest.
     *
     * @param subject what the message starts with: the digest, or "reference@digest"
     * @param content what was hashed, as the message names it ("blob content", "the registry's manifest")
     * @param actual  the digest it hashes to
     */
    public static DigestMismatch hashes(String subject, String digest, String content, String actual) {
        return new DigestMismatch(subject, digest, content, actual, -1, -1, "");
    }

    /** A blob whose length is not its descriptor's: {@code actualSize} bytes where {@code expectedSize} were declared. */
    public static DigestMismatch size(String digest, long actualSize, long expectedSize) {
        return new DigestMismatch(digest, digest, "blob", null, actualSize, expectedSize, "");
    }

    /** The same mismatch with the sizes seen and declared (-1: unknown) added to the message. */
    public DigestMismatch withSizes(long actualSize, long expectedSize) {
        return copy(new DigestMismatch(subject, digest, content, actual, actualSize, expectedSize, hint));
    }

    /** The same mismatch with what Kiln did about it, or what the user can do, appended ("nothing was cached"). */
    public DigestMismatch withHint(String hint) {
        return copy(new DigestMismatch(subject, digest, content, actual, actualSize, expectedSize, hint));
    }

    private DigestMismatch copy(DigestMismatch to) {
        to.setStackTrace(getStackTrace());   // where the mismatch was found, not where it was annotated
        String place = place();
        if (place != null) {
            to.within(place);
        }
        return to;
    }

    private static String message(String subject, String content, String actual, long actualSize,
                                  long expectedSize, String hint) {
        StringBuilder m = new StringBuilder(subject).append(": ");
        if (actual != null) {
            m.append("digest mismatch: ").append(content);
            if (actualSize >= 0) {
                m.append(" of ").append(actualSize).append(" bytes");
            }
            m.append(" hashes to ").append(actual);
            if (expectedSize >= 0) {
                m.append(" (expected ").append(expectedSize).append(" bytes)");
            }
        } else if (actualSize < expectedSize) {
            m.append(content).append(" is truncated: ").append(actualSize).append(" bytes, descriptor says ")
                    .append(expectedSize);
        } else {
            m.append(content).append(" is larger than its descriptor's size ").append(expectedSize);
        }
        if (!hint.isEmpty()) {
            m.append("; ").append(hint);
        }
        return m.toString();
    }

    /** The digest the content should have had. */
    public String digest() {
        return digest;
    }

    /** The digest the content has; null when its length was wrong (the hash then never finished). */
    public String actual() {
        return actual;
    }

    /** The bytes seen, -1 if not counted. */
    public long actualSize() {
        return actualSize;
    }

    /** The bytes declared, -1 if no size was declared. */
    public long expectedSize() {
        return expectedSize;
    }
}
