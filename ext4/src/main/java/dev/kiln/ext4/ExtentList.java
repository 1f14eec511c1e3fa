package dev.kiln.ext4;

import java.util.Arrays;

/**
 * A growable list of extents packed two longs each: (logical block << 16 | length - 1) and
 * the physical start. Consecutive blocks are merged up to the 32,768-block limit of an
 * initialized extent.
 */
final class ExtentList {
    static final int MAX_LEN = 32768;
    private long[] data = new long[2];
    private int count;

    static long[] single(long logical, long physical, int length) {
        return new long[] {logical << 16 | (length - 1), physical};
    }

    static int count(long[] packed) {
        return packed.length / 2;
    }

    static long logical(long[] packed, int i) {
        return packed[2 * i] >>> 16;
    }

    static int length(long[] packed, int i) {
        return (int) (packed[2 * i] & 0xFFFF) + 1;
    }

    static long physical(long[] packed, int i) {
        return packed[2 * i + 1];
    }

    /** Adds one block, merging with the last extent when both logical and physical follow on. */
    void add(long logical, long physical) {
        if (count > 0) {
            int i = count - 1;
            long lastLogical = data[2 * i] >>> 16;
            int lastLength = (int) (data[2 * i] & 0xFFFF) + 1;
            if (lastLength < MAX_LEN && lastLogical + lastLength == logical
                    && data[2 * i + 1] + lastLength == physical) {
                data[2 * i]++;
                return;
            }
        }
        if (2 * count + 2 > data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[2 * count] = logical << 16;
        data[2 * count + 1] = physical;
        count++;
    }

    long blocks() {
        long total = 0;
        for (int i = 0; i < count; i++) {
            total += (data[2 * i] & 0xFFFF) + 1;
        }
        return total;
    }

    long[] toArray() {
        return Arrays.copyOf(data, 2 * count);
    }
}
