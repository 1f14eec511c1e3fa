package dev.kiln.ext4;

import java.util.Arrays;

/**
 * A file's block mapping as read: runs of logical blocks and where they are, in increasing
 * logical order, without overlaps. Unmapped logical blocks are holes; uninitialized runs
 * (allocated by fallocate, never written) read as zeros like holes.
 */
final class ExtentMap {
    private long[] logical = new long[4];
    private long[] physical = new long[4];
    private int[] length = new int[4];
    private boolean[] initialized = new boolean[4];
    private int count;

    int count() {
        return count;
    }

    long logical(int i) {
        return logical[i];
    }

    long physical(int i) {
        return physical[i];
    }

    int length(int i) {
        return length[i];
    }

    boolean initialized(int i) {
        return initialized[i];
    }

    /** One past the last logical block mapped so far. */
    long end() {
        return count == 0 ? 0 : logical[count - 1] + length[count - 1];
    }

    /** Appends a run after the last one, merging when both logical and physical blocks follow on. */
    void add(long logicalStart, long physicalStart, int blocks, boolean init) {
        if (count > 0) {
            int i = count - 1;
            if (initialized[i] == init && logical[i] + length[i] == logicalStart
                    && physical[i] + length[i] == physicalStart && (long) length[i] + blocks <= Integer.MAX_VALUE) {
                length[i] += blocks;
                return;
            }
        }
        if (count == logical.length) {
            int n = count * 2;
            logical = Arrays.copyOf(logical, n);
            physical = Arrays.copyOf(physical, n);
            length = Arrays.copyOf(length, n);
            initialized = Arrays.copyOf(initialized, n);
        }
        logical[count] = logicalStart;
        physical[count] = physicalStart;
        length[count] = blocks;
        initialized[count] = init;
        count++;
    }
}
