package dev.kiln.ext4;

/**
 * Fixed shape of every image Kiln writes, and the rules mke2fs uses to size things.
 * Everything here is a pure function of block counts, so layout planning can be re-run
 * cheaply while searching for the final size.
 */
final class Geometry {
    static final int BLOCK_SIZE = 4096;
    static final int LOG_BLOCK_SIZE = 2; // 1024 << 2
    static final int BLOCKS_PER_GROUP = 32768;
    static final int INODE_SIZE = 256;
    static final int EXTRA_ISIZE = 32;
    static final int INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
    static final int DESC_SIZE = 64;
    static final int DESCS_PER_BLOCK = BLOCK_SIZE / DESC_SIZE;
    static final int ADDRS_PER_BLOCK = BLOCK_SIZE / 4;
    static final int LOG_GROUPS_PER_FLEX = 4;
    static final int FIRST_INO = 11;
    static final int ROOT_INO = 2;
    static final int RESIZE_INO = 7;
    static final int JOURNAL_INO = 8;
    static final int LOST_FOUND_INO = 11;
    /** Reserved-GDT region (GDT + reserved) when the final size is unknown: room to grow to 1 TiB. */
    static final int GROWABLE_GDT_REGION = (int) ((1L << 40) / BLOCK_SIZE / BLOCKS_PER_GROUP / DESCS_PER_BLOCK);

    private Geometry() {
    }

    /** sparse_super: groups 0, 1 and powers of 3, 5 and 7 hold a superblock backup. */
    static boolean hasSuper(long group) {
        if (group <= 1) {
            return true;
        }
        return isPower(group, 3) || isPower(group, 5) || isPower(group, 7);
    }

    private static boolean isPower(long n, int base) {
        while (n % base == 0) {
            n /= base;
        }
        return n == 1;
    }

    static long groupsFor(long blocks) {
        return (blocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP;
    }

    static int gdtBlocks(long groups) {
        return (int) ((groups + DESCS_PER_BLOCK - 1) / DESCS_PER_BLOCK);
    }

    /**
     * mke2fs's rule: reserve descriptor blocks so the filesystem can grow 1024-fold (or to
     * 2^32 blocks), at most one indirect block's worth.
     */
    static int reservedGdtBlocks(long blocks) {
        long maxBlocks = 0xFFFFFFFFL;
        if (blocks < maxBlocks / 1024) {
            maxBlocks = blocks * 1024;
        }
        long rsvGroups = (maxBlocks + BLOCKS_PER_GROUP - 1) / BLOCKS_PER_GROUP;
        long rsv = (rsvGroups + DESCS_PER_BLOCK - 1) / DESCS_PER_BLOCK - gdtBlocks(groupsFor(blocks));
        return (int) Math.max(0, Math.min(ADDRS_PER_BLOCK, rsv));
    }

    /** mke2fs's default journal size in blocks for a filesystem of this many blocks. */
    static int journalBlocks(long blocks) {
        if (blocks < 2048) {
            return 0;
        } else if (blocks < 32768) {
            return 1024;
        } else if (blocks < 256 * 1024) {
            return 4096;
        } else if (blocks < 512 * 1024) {
            return 8192;
        } else if (blocks < 4096 * 1024) {
            return 16384;
        } else if (blocks < 8192 * 1024) {
            return 32768;
        } else if (blocks < 16384 * 1024) {
            return 65536;
        } else if (blocks < 32768 * 1024) {
            return 131072;
        }
        return 262144;
    }
}
