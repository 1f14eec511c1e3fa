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
     */
    static int inodesPerGroup(long blocks, long usedInodes, long requested, double spare) {
        long groups = Geometry.groupsFor(blocks);
        long bytes = blocks * BLOCK_SIZE;
        long ratio = bytes < (512L << 20) ? 4096 : 16384;
        long total = requested > 0 ? requested
                : Math.max(bytes / ratio, (long) Math.ceil(usedInodes * (1 + spare)) + 16);
        long perGroup = (total + groups - 1) / groups;
        perGroup = (perGroup + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK * INODES_PER_BLOCK;
        return (int) Math.max(INODES_PER_BLOCK, perGroup);
    }

    /** Blocks of the smallest last group mke2fs would keep (its backup region plus some room). */
    static long minLastGroup(long group, int region) {
        return (Geometry.hasSuper(group) ? region : 0) + 64;
    }

    static Layout plan(long start, int region, long blocks, int inodesPerGroup, boolean journal) {
        return new Layout(start, region, blocks, inodesPerGroup, journal ? Geometry.journalBlocks(blocks) : 0);
    }

    /**
     * Smallest layout, growing the size until the metadata fits and the free space reaches
     * the headroom.
     *
     * @param start        first block after data and directories
     * @param usedInodes   highest inode number in use
     * @param headroom     free blocks wanted, as a fraction of used blocks
     * @param minHeadroom  free blocks wanted at least
     */
    static Layout fit(long start, int region, long usedInodes, long requestedInodes, boolean journal,
                      double headroom, long minHeadroom) {
        long blocks = Math.max(start, 2048);
        for (int round = 0; round < 100; round++) {
            int ipg = inodesPerGroup(blocks, usedInodes, requestedInodes, headroom);
            if (ipg > BLOCKS_PER_GROUP) { // too many inodes for the groups: add groups
                long groupsNeeded = (long) Math.ceil((double) ipg * Geometry.groupsFor(blocks) / BLOCKS_PER_GROUP);
                blocks = Math.max(blocks + 1, groupsNeeded * BLOCKS_PER_GROUP);
                continue;
            }
            Layout l = plan(start, region, blocks, ipg, journal);
            long want = l.end + Math.max((long) Math.ceil(l.end * headroom), minHeadroom);
            want = (want + 255) / 256 * 256; // whole MiB
            long lastGroup = (want - 1) / BLOCKS_PER_GROUP;
            long rem = want - lastGroup * BLOCKS_PER_GROUP;
            if (rem < minLastGroup(lastGroup, region)) {
                want = (lastGroup * BLOCKS_PER_GROUP + minLastGroup(lastGroup, region) + 255) / 256 * 256;
            }
            if (want <= blocks && l.end <= blocks) {
                return l;
            }
            blocks = Math.max(blocks, want);
        }
        throw new IllegalStateException("filesystem size search did not converge");
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
