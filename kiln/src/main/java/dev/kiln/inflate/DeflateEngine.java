package dev.kiln.inflate;

import java.util.zip.DataFormatException;

/**
 * Decodes the raw deflate data of one gzip member at a time, keeping the CRC-32 and length of
 * what it produced for the trailer check. Not thread-safe: one stream uses it.
 */
sealed interface DeflateEngine permits JavaInflate, IsalInflate {
    /** Starts a member. */
    void reset();

    /**
     * Decodes from {@code in[inOff, inOff + inLen)} into {@code out[outOff, outOff + outLen)};
     * returns the bytes produced, and {@link #consumed()} says how many it took. The member's end
     * may come with unused input, which {@link #leftoverCount()} then reports.
     */
    int inflate(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen) throws DataFormatException;

    /** Input bytes taken by the last {@link #inflate} call. */
    int consumed();

    /** The member's deflate data has ended (its final block). */
    boolean finished();

    /** Once finished: bytes already consumed that lie after the deflate data (at most 8). */
    int leftoverCount();

    /** Those bytes, the first in the lowest byte. */
    long leftoverBytes();

    /** Once finished: CRC-32 of the member's data. */
    int crc();

    /** Once finished: the member's length modulo 2^32, as ISIZE holds it. */
    int size();

    /** Releases what the engine holds; it is not used afterwards. */
    void end();
}
