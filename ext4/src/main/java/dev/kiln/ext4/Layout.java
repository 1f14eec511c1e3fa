package dev.kiln.ext4;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;
import static dev.kiln.ext4.Geometry.BLOCK_SIZE;
import static dev.kiln.ext4.Geometry.INODES_PER_BLOCK;

/**
 * Where the metadata that is placed after the data goes, for one candidate filesystem size.
 * Planning is a dry run of the same sequential allocator, so it can be repeated while the
 * size search converges (more blocks mean more groups, inodes and journal, which need more
 * blocks).
 *
 * <p>Order after the data: block bitmaps, inode bitmaps, inode tables (each table contiguous,
 * so it may skip past a backup region), the journal and its extent blocks, the resize inode's
 * double-indirect block.
 */
final class Layout {
    final long blocks;
    final int groups;
    final int inodesPerGroup;
    final int gdtBlocks;
    final int reservedGdt;
    final long[] blockBitmap;
    final long[] inodeBitmap;
    final long[] inodeTable;
    final long[] journalExtents;
    final long[] journalTreeBlocks;
    final long resizeDind;
    final long end;

    private Layout(long start, int region, long blocks, int inodesPerGroup, int journalBlocks) {
        this.blocks = blocks;
        this.groups = (int) Geometry.groupsFor(blocks);
        this.inodesPerGroup = inodesPerGroup;
        this.gdtBlocks = Geometry.gdtBlocks(groups);
        this.reservedGdt = region - 1 - gdtBlocks;
        BlockAllocator a = new BlockAllocator(region - 1);
        while (a.next() < start) {
            a.take(Math.min(a.contiguousAvailable(), start - a.next()));
        }
        blockBitmap = new long[groups];
        inodeBitmap = new long[groups];
        inodeTable = new long[groups];
        for (int g = 0; g < groups; g++) {
            blockBitmap[g] = a.takeContiguous(1);
        }
        for (int g = 0; g < groups; g++) {
            inodeBitmap[g] = a.takeContiguous(1);
        }
        int tableBlocks = inodesPerGroup / INODES_PER_BLOCK;
        for (int g = 0; g < groups; g++) {
            inodeTable[g] = a.takeContiguous(tableBlocks);
        }
        ExtentList journal = new ExtentList();
        for (long logical = 0; logical < journalBlocks; ) {
            long n = Math.min(a.contiguousAvailable(), journalBlocks - logical);
            long first = a.take(n);
            for (long i = 0; i < n; i++) {
                journal.add(logical + i, first + i);
            }
            logical += n;
        }
        journalExtents = journal.toArray();
        journalTreeBlocks = new long[ExtentTree.treeBlocks(ExtentList.count(journalExtents))];
        for (int i = 0; i < journalTreeBlocks.length; i++) {
            journalTreeBlocks[i] = a.takeContiguous(1);
        }
        resizeDind = reservedGdt > 0 ? a.takeContiguous(1) : 0;
        end = a.next();
    }

    /**
     * Inodes per group: what was asked for, else at least what is used plus the headroom share,
     * else mke2fs's ratio (one per 4 KiB below 512 MiB, the "small" type; one per 16 KiB above).
     * May exceed {@link Ext4Limits#MAX_INODES_PER_GROUP}: then the size needs more groups.
     */
    static long inodesPerGroup(long blocks, long usedInodes, long requested, double spare) {
        long groups = Math.max(1, Geometry.groupsFor(blocks));
        long bytes = blocks * BLOCK_SIZE;
        long ratio = bytes < (512L << 20) ? 4096 : 16384;
        long total = requested > 0 ? requested
                : Math.max(bytes / ratio, saturatedAdd((long) Math.ceil(usedInodes * (1 + spare)), 16));
        long perGroup = total / groups + (total % groups == 0 ? 0 : 1);
        perGroup = (Math.min(perGroup, Long.MAX_VALUE / 2) + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK * INODES_PER_BLOCK;
        return Math.max(INODES_PER_BLOCK, perGroup);
    }

    /** Blocks of the smallest last group mke2fs would keep (its backup region plus some room). */
    static long minLastGroup(long group, int region) {
        return (Geometry.hasSuper(group) ? region : 0) + 64;
    }

    static Layout plan(long start, int region, long blocks, int inodesPerGroup, boolean journal) {
        return new Layout(start, region, blocks, inodesPerGroup, journal ? Geometry.journalBlocks(blocks) : 0);
    }

    /** Rounds of plain iteration before {@link #fit} searches instead; typical content needs two to four. */
    private static final int ITERATIONS = 30;

    /**
     * Smallest layout, growing the size until the metadata fits and the free space reaches
     * the headroom; null when that takes more than {@code maxBlocks}.
     *
     * <p>More blocks bring more metadata (inode tables, when the inode count follows the size,
     * and a larger journal), which asks for more headroom in turn. Iterating from the content's
     * size finds the smallest fixed point in a few rounds for usual headrooms; a large headroom
     * converges slowly (or never: with one inode per 16 KiB, the inode tables are 1/64 of the
     * image, so a headroom of 63 times the use can never be met), so after a few rounds the
     * size is found by doubling and bisection instead, bounded by {@code maxBlocks}.
     *
     * @param start        first block after data and directories
     * @param usedInodes   highest inode number in use
     * @param headroom     free blocks wanted, as a fraction of used blocks
     * @param minHeadroom  free blocks wanted at least
     */
    static Layout fit(long start, int region, long usedInodes, long requestedInodes, boolean journal,
                      double headroom, long minHeadroom, long maxBlocks) {
        Sizing s = new Sizing(start, region, usedInodes, requestedInodes, journal, headroom, minHeadroom, maxBlocks);
        long blocks = Math.max(start, 2048);
        for (int round = 0; round < ITERATIONS; round++) {
            if (blocks > maxBlocks) {
                return null;
            }
            long want = s.want(blocks);
            if (want <= blocks) {
                return s.layout(blocks);
            }
            blocks = want;
        }
        // Slow convergence: double until a size is enough, then bisect down to the smallest
        // that is (every size returned was checked to be enough).
        long low = blocks - 1;
        long high = blocks;
        while (high > maxBlocks || s.want(high) > high) {
            if (high >= maxBlocks) {
                return null;
            }
            low = high;
            high = Math.min(maxBlocks, high * 2);
        }
        while (high - low > 1) {
            long mid = low + (high - low) / 2;
            if (s.want(mid) <= mid) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return s.layout(high);
    }

    /** The fixed inputs of one size search. */
    private record Sizing(long start, int region, long usedInodes, long requestedInodes, boolean journal,
                          double headroom, long minHeadroom, long maxBlocks) {
        /** The size {@code blocks} calls for: at most {@code blocks} when it is enough. */
        long want(long blocks) {
            long ipg = inodesPerGroup(blocks, usedInodes, requestedInodes, headroom);
            if (ipg > Ext4Limits.MAX_INODES_PER_GROUP) { // too many inodes for the groups: add groups
                double groupsNeeded = Math.ceil((double) ipg * Geometry.groupsFor(blocks) / Ext4Limits.MAX_INODES_PER_GROUP);
                return Math.max(blocks + 1, (long) Math.min(groupsNeeded * BLOCKS_PER_GROUP, Long.MAX_VALUE / 4));
            }
            Layout l = plan(start, region, blocks, (int) ipg, journal);
            double free = Math.max(Math.ceil(l.end * headroom), minHeadroom);
            if (l.end + free > maxBlocks) {
                return Long.MAX_VALUE / 4; // past any size we could make; also avoids overflow
            }
            long want = l.end + (long) free;
            want = (want + 255) / 256 * 256; // whole MiB
            long lastGroup = (want - 1) / BLOCKS_PER_GROUP;
            long rem = want - lastGroup * BLOCKS_PER_GROUP;
            if (rem < minLastGroup(lastGroup, region)) {
                want = (lastGroup * BLOCKS_PER_GROUP + minLastGroup(lastGroup, region) + 255) / 256 * 256;
            }
            return want <= blocks && l.end <= blocks ? Math.min(want, blocks) : Math.max(want, blocks + 1);
        }

        Layout layout(long blocks) {
            return plan(start, region, blocks, (int) inodesPerGroup(blocks, usedInodes, requestedInodes, headroom),
                    journal);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** Drops a last group too small to be useful, as mke2fs does. */
    static long trimTinyLastGroup(long blocks, int region) {
        long lastGroup = (blocks - 1) / BLOCKS_PER_GROUP;
        long rem = blocks - lastGroup * BLOCKS_PER_GROUP;
        if (lastGroup > 0 && rem < minLastGroup(lastGroup, region)) {
            return lastGroup * BLOCKS_PER_GROUP;
        }
        return blocks;
    }
}
