package dev.kiln.ext4;

import java.util.BitSet;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;

/**
 * Which blocks are in use, one bitmap per block group, made only for groups that have a used
 * block: a 16 TiB image with little content costs kilobytes, not the 512 MiB one bitmap over
 * all 2^32 blocks would (and block numbers past 2^31 need no int index).
 */
final class UsedBlocks {
    private final BitSet[] groups;

    UsedBlocks(long blocks) {
        this.groups = new BitSet[(int) Geometry.groupsFor(blocks)];
    }

    void mark(long from, long count) {
        long end = from + count;
        while (from < end) {
            int group = (int) (from / BLOCKS_PER_GROUP);
            int offset = (int) (from % BLOCKS_PER_GROUP);
            int n = (int) Math.min(end - from, BLOCKS_PER_GROUP - offset);
            if (groups[group] == null) {
                groups[group] = new BitSet(BLOCKS_PER_GROUP);
            }
            groups[group].set(offset, offset + n);
            from += n;
        }
    }

    /** The group's used blocks (bit i = block i of the group), or null when none is used. */
    BitSet group(int group) {
        return groups[group];
    }
}
