package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * The group descriptors, read on demand (only groups holding inodes the tree uses are ever
 * needed): where each group's inode table is and how much of it is initialized. Descriptors
 * are 32 bytes, or s_desc_size (64) with the 64bit feature; they follow the superblock, or with
 * meta_bg sit at the start of their meta group.
 */
final class GroupTable {
    static final int INODE_UNINIT = 0x1;

    /** What the reader needs of one descriptor. */
    record Group(long inodeTable, int flags, long itableUnused) {
    }

    private final ImageChannel image;
    private final SuperblockView sb;
    private final boolean verify;
    private final Map<Long, Group> groups = new HashMap<>();

    GroupTable(ImageChannel image, SuperblockView sb, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.verify = verify;
    }

    Group group(long g) throws IOException {
        Group cached = groups.get(g);
        if (cached != null) {
            return cached;
        }
        int perBlock = sb.blockSize() / sb.descSize();
        long descBlock = g / perBlock;
        int offset = (int) (g % perBlock) * sb.descSize();
        String where = image.label() + ": group descriptor " + g;
        byte[] block = image.block(location(descBlock), where);
        Group parsed = parse(block, offset, g, where);
        groups.put(g, parsed);
        return parsed;
    }

    /** Block number of the descriptor block {@code n} (the kernel's descriptor_loc). */
    private long location(long n) {
        // The block holding the superblock (byte 1024): block 1 with 1 KiB blocks, even when
        // bigalloc makes the first data block 0; block 0 otherwise.
        long sbBlock = SuperblockView.OFFSET / sb.blockSize();
        if (!sb.has(Features.INCOMPAT_META_BG) || n < Integer.toUnsignedLong(sb.firstMetaBg())) {
            return sbBlock + n + 1;
        }
        long group = n * (sb.blockSize() / sb.descSize());
        long hasSuper = sb.groupHasSuper(group) ? 1 : 0;
        // With 1 KiB blocks and meta_bg, group 0's descriptors follow the superblock in block 1.
        if (sb.blockSize() == 1024 && n == 0 && sb.firstDataBlock() == 0) {
            hasSuper++;
        }
        return sb.groupFirstBlock(group) + hasSuper;
    }

    private Group parse(byte[] block, int offset, long g, String where) throws Ext4Exception {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        boolean wide = sb.descSize() >= 64;
        long table = (b.getInt(offset + 0x08) & 0xFFFFFFFFL) | (wide ? (b.getInt(offset + 0x28) & 0xFFFFFFFFL) << 32 : 0);
        int flags = b.getShort(offset + 0x12) & 0xFFFF;
        long unused = (b.getShort(offset + 0x1C) & 0xFFFF) | (wide ? (long) (b.getShort(offset + 0x32) & 0xFFFF) << 16 : 0);
        if (sb.metadataCsum() && verify) {
            int stored = b.getShort(offset + 0x1E) & 0xFFFF;
            int crc = Crc32c.updateInt(sb.csumSeed(), (int) g);
            crc = Crc32c.update(crc, block, offset, 0x1E);
            crc = Crc32c.update(crc, new byte[2], 0, 2);
            crc = Crc32c.update(crc, block, offset + 0x20, sb.descSize() - 0x20);
            if ((crc & 0xFFFF) != stored) {
                throw new Ext4Exception(where + ": checksum mismatch (stored 0x" + Integer.toHexString(stored)
                        + ", computed 0x" + Integer.toHexString(crc & 0xFFFF) + ")");
            }
        }
        image.checkBlock(table, sb.inodeTableBlocks(), where + ": inode table");
        if (sb.groupCsum() && unused > sb.inodesPerGroup()) {
            throw new Ext4Exception(where + ": " + unused + " unused inodes of " + sb.inodesPerGroup());
        }
        return new Group(table, flags, sb.groupCsum() ? unused : 0);
    }
}
