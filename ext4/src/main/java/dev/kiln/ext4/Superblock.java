package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;

/**
 * The ext4 superblock (1,024 bytes at byte 1,024 of the image, copied to the start of every
 * sparse_super backup group with s_block_group_nr set). Only what Kiln needs is a parameter;
 * the rest are mke2fs's defaults for an ext4 filesystem with 4 KiB blocks.
 */
record Superblock(long inodesCount, long blocksCount, long freeBlocks, long freeInodes,
                  int inodesPerGroup, int reservedGdtBlocks, boolean resizeInode, byte[] uuid, String label,
                  int[] hashSeed, boolean journal, int[] journalBlocks, long time) {
    static final int SIZE = 1024;

    byte[] encode(int groupNr) {
        // Superblock times are unsigned (32 bits plus an 8-bit high byte): an earlier time shows as the epoch.
        long time = Math.max(0, this.time);
        byte[] raw = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, (int) inodesCount);
        b.putInt(0x04, (int) blocksCount);
        b.putInt(0x08, 0); // no blocks reserved for root: a VM image is sized for its use
        b.putInt(0x0C, (int) freeBlocks);
        b.putInt(0x10, (int) freeInodes);
        b.putInt(0x14, 0); // first data block: 0 with 4 KiB blocks
        b.putInt(0x18, Geometry.LOG_BLOCK_SIZE);
        b.putInt(0x1C, Geometry.LOG_BLOCK_SIZE);
        b.putInt(0x20, BLOCKS_PER_GROUP);
        b.putInt(0x24, BLOCKS_PER_GROUP);
        b.putInt(0x28, inodesPerGroup);
        b.putInt(0x30, (int) time); // wtime
        b.putShort(0x36, (short) -1); // max mount count: no forced checks
        b.putShort(0x38, (short) 0xEF53);
        b.putShort(0x3A, (short) 1); // clean
        b.putShort(0x3C, (short) 1); // errors: continue
        b.putInt(0x40, (int) time); // lastcheck
        b.putInt(0x4C, 1); // dynamic revision
        b.putInt(0x54, Geometry.FIRST_INO);
        b.putShort(0x58, (short) Geometry.INODE_SIZE);
        b.putShort(0x5A, (short) groupNr);
        b.putInt(0x5C, Features.WRITER_COMPAT | (journal ? Features.COMPAT_HAS_JOURNAL : 0)
                | (resizeInode ? Features.COMPAT_RESIZE_INODE : 0));
        b.putInt(0x60, Features.WRITER_INCOMPAT);
        b.putInt(0x64, Features.WRITER_RO_COMPAT);
        b.position(0x68);
        b.put(uuid);
        byte[] name = label == null ? new byte[0] : label.getBytes(StandardCharsets.UTF_8);
        b.put(name, 0, Math.min(16, name.length));
        b.putShort(0xCE, (short) reservedGdtBlocks);
        if (journal) {
            b.putInt(0xE0, Geometry.JOURNAL_INO);
        }
        for (int i = 0; i < 4; i++) {
            b.putInt(0xEC + 4 * i, hashSeed[i]);
        }
        b.put(0xFC, (byte) 1); // default hash: half_md4
        b.put(0xFD, (byte) (journal ? 1 : 0)); // journal backup in s_jnl_blocks
        b.putShort(0xFE, (short) Geometry.DESC_SIZE);
        b.putInt(0x100, Features.DEFAULT_MOUNT_USER_XATTR | Features.DEFAULT_MOUNT_ACL);
        b.putInt(0x108, (int) time); // mkfs time
        if (journal) {
            for (int i = 0; i < 17; i++) {
                b.putInt(0x10C + 4 * i, journalBlocks[i]);
            }
        }
        b.putInt(0x150, (int) (blocksCount >>> 32));
        b.putInt(0x158, (int) (freeBlocks >>> 32));
        b.putShort(0x15C, (short) Geometry.EXTRA_ISIZE);
        b.putShort(0x15E, (short) Geometry.EXTRA_ISIZE);
        b.putInt(0x160, 0x2); // unsigned directory hash: DirectoryEncoder reads name bytes as unsigned
        b.put(0x174, (byte) Geometry.LOG_GROUPS_PER_FLEX);
        b.put(0x175, (byte) 1); // checksum type crc32c
        int hi = (int) (time >> 32) & 0xFF;
        b.put(0x274, (byte) hi); // wtime_hi
        b.put(0x276, (byte) hi); // mkfs_time_hi
        b.put(0x277, (byte) hi); // lastcheck_hi
        b.putInt(0x3FC, Crc32c.update(~0, raw, 0, 0x3FC));
        return raw;
    }
}
