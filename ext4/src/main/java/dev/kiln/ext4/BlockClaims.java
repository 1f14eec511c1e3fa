package dev.kiln.ext4;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Which blocks some file, directory or extent tree already uses. ext4 never gives a block to
 * two owners, so a second claim means a corrupt or crafted image; refusing it bounds the work
 * and memory of a read by the image's size (a directory block shared by many directories, or
 * an extent tree shared by many files, would otherwise multiply them).
 */
final class BlockClaims {
    private static final int CHUNK_BITS = 1 << 20;
    private final Map<Long, BitSet> chunks = new HashMap<>();
    private final boolean enabled;

    /** @param enabled false for images that may share blocks (the shared_blocks feature) */
    BlockClaims(boolean enabled) {
        this.enabled = enabled;
    }

    /** Claims [first, first + count); fails naming {@code where} when any of them was claimed before. */
    void claim(long first, long count, String where) throws Ext4Exception {
        if (!enabled) {
            return;
        }
        long block = first;
        long end = first + count;
        while (block < end) {
            long chunk = block / CHUNK_BITS;
            int from = (int) (block % CHUNK_BITS);
            int to = (int) Math.min(CHUNK_BITS, end - chunk * CHUNK_BITS);
            BitSet bits = chunks.computeIfAbsent(chunk, c -> new BitSet());
            int taken = bits.nextSetBit(from);
            if (taken >= 0 && taken < to) {
                throw new Ext4Exception(where + ": block " + (chunk * CHUNK_BITS + taken)
                        + " is also used by another file, directory or extent tree");
            }
            bits.set(from, to);
            block = chunk * CHUNK_BITS + to;
        }
    }
}
