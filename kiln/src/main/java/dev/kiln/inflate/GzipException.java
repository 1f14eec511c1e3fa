package dev.kiln.inflate;

import java.io.IOException;

/**
 * Why a gzip stream could not be decoded. The message is one line for the user, saying where in
 * the compressed input it struck; the caller prefixes the name of the input.
 */
public final class GzipException extends IOException {
    /** What went wrong; the same input gives the same kind whichever engine decodes it. */
    public enum Kind {
        /** The input ended inside a member (or held none). */
        TRUNCATED,
        /** The input does not start with the gzip magic. */
        NOT_GZIP,
        /** A member header that is not one: not deflate, reserved flags, wrong header checksum. */
        BAD_HEADER,
        /** Invalid deflate data. */
        CORRUPT_DATA,
        /** A member's CRC-32 does not match its data. */
        CHECKSUM_MISMATCH,
        /** A member's length (ISIZE) does not match its data. */
        LENGTH_MISMATCH,
        /** After a member: neither another member, nor NUL padding to the end. */
        TRAILING_DATA
    }

    private final Kind kind;

    GzipException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
