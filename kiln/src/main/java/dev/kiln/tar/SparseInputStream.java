package dev.kiln.tar;

import dev.kiln.io.Streams;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Expands a sparse file's stored data segments to its full size, filling holes with zeros
 * (the ext4 writer turns all-zero blocks back into holes).
 */
final class SparseInputStream extends InputStream {
    private final InputStream data;
    private final long[] offsets;
    private final long[] lengths;
    private final long realSize;
    private int segment;
    private long pos;

    /** The map must have passed {@link #check}. */
    SparseInputStream(InputStream data, long[] offsets, long[] lengths, long realSize) {
        this.data = data;
        this.offsets = offsets;
        this.lengths = lengths;
        this.realSize = realSize;
    }

    /** Null when the map is consistent, else what is wrong with it. */
    static String check(long[] offsets, long[] lengths, long realSize, long storedSize) {
        if (realSize < 0) {
            return "negative sparse file size";
        }
        long end = 0;
        long stored = 0;
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] < 0 || lengths[i] < 0 || offsets[i] < end
                    || offsets[i] > realSize || lengths[i] > realSize - offsets[i]) {
                return "corrupt sparse map (entry " + i + ": offset " + offsets[i] + ", length " + lengths[i] + ")";
            }
            end = offsets[i] + lengths[i];
            stored += lengths[i];
        }
        if (stored != storedSize) {
            return "corrupt sparse map (maps " + stored + " bytes, archive stores " + storedSize + ")";
        }
        return null;
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos >= realSize) {
            return -1;
        }
        while (segment < offsets.length && offsets[segment] + lengths[segment] <= pos) {
            segment++;
        }
        if (segment < offsets.length && pos >= offsets[segment]) {
            int want = (int) Math.min(len, offsets[segment] + lengths[segment] - pos);
            int n = data.read(b, off, want);
            if (n < 0) {
                throw new IOException("sparse data ended early"); // the tar content stream reports truncation first
            }
            pos += n;
            return n;
        }
        long holeEnd = segment < offsets.length ? offsets[segment] : realSize;
        int n = (int) Math.min(len, holeEnd - pos);
        Arrays.fill(b, off, off + n, (byte) 0);
        pos += n;
        return n;
    }
}
