package dev.kiln.tar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A sparse file's map of data segments (offset, length) as the archive states it, at most
 * {@link #MAX_SEGMENTS} of them. Problems are IllegalArgumentExceptions with a message for the
 * user; the reader adds the archive and the entry.
 */
final class SparseMap {
    /** Segments of one sparse file held in memory (old GNU 'S' headers, GNU PAX sparse 0.0, 0.1, 1.0). */
    static final int MAX_SEGMENTS = 1 << 20;

    private long[] offsets = new long[8];
    private long[] lengths = new long[8];
    private int n;

    void add(long offset, long length) {
        if (n == MAX_SEGMENTS) {
            throw overLimit(-1);
        }
        if (n == offsets.length) {
            offsets = Arrays.copyOf(offsets, n * 2);
            lengths = Arrays.copyOf(lengths, n * 2);
        }
        offsets[n] = offset;
        lengths[n++] = length;
    }

    /** @param count the declared number of segments, or -1 when the map just goes on */
    static IllegalArgumentException overLimit(long count) {
        return new IllegalArgumentException("sparse map of " + (count < 0 ? "more than " + MAX_SEGMENTS : count)
                + " segments exceeds the limit of " + MAX_SEGMENTS);
    }

    /** {offsets, lengths} */
    long[][] toArrays() {
        return new long[][] {Arrays.copyOf(offsets, n), Arrays.copyOf(lengths, n)};
    }

    /** Up to {@code count} 24-byte entries of an old GNU header or extension block. */
    void addGnuEntries(byte[] b, int off, int count) throws TarHeader.BadHeader {
        for (int i = 0; i < count; i++) {
            int e = off + i * 24;
            if (b[e] == 0) {
                return; // as GNU and BSD tar: the first empty offset ends this block's list
            }
            add(TarHeader.number(b, e, 12), TarHeader.number(b, e + 12, 12));
        }
    }

    /** The map of GNU PAX sparse 0.1 ({@code GNU.sparse.map}) or 0.0 (offset/numbytes records). */
    static long[][] fromPax(PaxRecords pax) {
        SparseMap map = new SparseMap();
        if (pax.sparseMap != null) {
            String[] parts = pax.sparseMap.split(",", -1);
            if (parts.length % 2 != 0) {
                throw new IllegalArgumentException("corrupt sparse map (odd GNU.sparse.map)");
            }
            if (parts.length / 2 > MAX_SEGMENTS) {
                throw overLimit(parts.length / 2);
            }
            try {
                for (int i = 0; i < parts.length; i += 2) {
                    map.add(number(parts[i]), number(parts[i + 1]));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("corrupt sparse map (bad GNU.sparse.map)");
            }
        } else {
            if (pax.sparseOffsets.size() != pax.sparseNumBytes.size()) {
                throw new IllegalArgumentException("corrupt sparse map (unpaired GNU.sparse.offset/numbytes)");
            }
            for (int i = 0; i < pax.sparseOffsets.size(); i++) {
                map.add(pax.sparseOffsets.get(i), pax.sparseNumBytes.get(i));
            }
        }
        if (pax.sparseNumBlocks != null && pax.sparseNumBlocks != map.n) {
            // GNU tar and Go refuse the entry too.
            throw new IllegalArgumentException("corrupt sparse map (GNU.sparse.numblocks is " + pax.sparseNumBlocks
                    + ", the map has " + map.n + " segments)");
        }
        return map.toArrays();
    }

    private static long number(String s) {
        return PaxRecords.count("GNU.sparse.map", s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
