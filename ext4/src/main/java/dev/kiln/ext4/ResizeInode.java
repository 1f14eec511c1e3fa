package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.kiln.ext4.Geometry.ADDRS_PER_BLOCK;
import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;
import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * The resize inode (7), which lets resize2fs and the kernel grow the descriptor table in
 * place. It is a classic block-mapped file: its double-indirect block lists the primary
 * reserved GDT blocks (at index (gdtBlocks + i) mod 1024), and each of those, read as an
 * indirect block, lists its copies in the backup groups in increasing group order. e2fsck
 * rebuilds the inode if any of this differs, so it follows mke2fs exactly.
 */
record ResizeInode(long dindBlock, int gdtBlocks, int reservedGdtBlocks, long groups) {

    static boolean isBackup(long group) {
        return group > 0 && Geometry.hasSuper(group);
    }

    long backups() {
        long n = 0;
        for (long g = 1; g < groups; g++) {
            if (isBackup(g)) {
                n++;
            }
        }
        return n;
    }

    /** i_blocks: the dind block, each primary reserved block, and each backup copy. */
    long blocks512() {
        return (1 + reservedGdtBlocks * (1 + backups())) * (BLOCK_SIZE / 512);
    }

    /** i_size as mke2fs sets it: the span a double-indirect map can address. */
    static long size() {
        return ((long) ADDRS_PER_BLOCK * ADDRS_PER_BLOCK + ADDRS_PER_BLOCK + 12) * BLOCK_SIZE;
    }

    byte[] iBlock() {
        ByteBuffer b = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(13 * 4, (int) dindBlock); // EXT2_DIND_BLOCK
        return b.array();
    }

    byte[] dind() {
        ByteBuffer b = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < reservedGdtBlocks; i++) {
            b.putInt(((gdtBlocks + i) % ADDRS_PER_BLOCK) * 4, (int) primary(i));
        }
        return b.array();
    }

    long primary(int i) {
        return 1 + gdtBlocks + i;
    }

    /** The i-th primary reserved GDT block read as an indirect block: its backup copies. */
    byte[] indirect(int i) {
        ByteBuffer b = ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (long g = 1; g < groups; g++) {
            if (isBackup(g)) {
                b.putInt((int) (primary(i) + g * BLOCKS_PER_GROUP));
            }
        }
        return b.array();
    }
}
