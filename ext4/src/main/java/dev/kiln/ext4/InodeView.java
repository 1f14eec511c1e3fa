package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One inode as read from its table: the fields the reader uses, decoded (32-bit ids from their
 * two halves, 64-bit size, mtime with nanoseconds and epoch bits), plus the raw bytes for the
 * in-inode xattrs. The inverse of {@link Inode#encode}, for any inode size from 128 bytes.
 */
record InodeView(int ino, int mode, long uid, long gid, long size, long mtimeSeconds, int mtimeNanos,
                 int links, long blocks512, int flags, byte[] iBlock, int generation, long fileAcl,
                 int extraIsize, byte[] raw) {
    static final int S_IFMT = 0xF000;
    static final int EXTENTS_FL = 0x80000;
    static final int INDEX_FL = 0x1000;
    static final int HUGE_FILE_FL = 0x40000;
    static final int ENCRYPT_FL = 0x800;
    static final int EA_INODE_FL = 0x200000;
    static final int INLINE_DATA_FL = 0x10000000;
    static final int I_BLOCK = 0x28;
    static final int I_BLOCK_SIZE = 60;

    /** Decodes a raw inode; {@code hugeFile} says whether i_blocks may count file system blocks. */
    static InodeView parse(int ino, byte[] raw, boolean hugeFile, int blockSize) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int extra = raw.length > 128 ? b.getShort(0x80) & 0xFFFF : 0;
        int flags = b.getInt(0x20);
        long mtime = b.getInt(0x10); // signed: pre-1970 times are negative
        int nanos = 0;
        if (fits(raw.length, extra, 0x88)) {
            int mtimeExtra = b.getInt(0x88);
            mtime += (long) (mtimeExtra & 3) << 32;
            nanos = mtimeExtra >>> 2;
        }
        long blocks = b.getInt(0x1C) & 0xFFFFFFFFL;
        if (hugeFile) {
            blocks |= (long) (b.getShort(0x74) & 0xFFFF) << 32;
            if ((flags & HUGE_FILE_FL) != 0) {
                blocks *= blockSize / 512;
            }
        }
        byte[] iBlock = new byte[I_BLOCK_SIZE];
        System.arraycopy(raw, I_BLOCK, iBlock, 0, I_BLOCK_SIZE);
        return new InodeView(ino, b.getShort(0) & 0xFFFF,
                (b.getShort(0x02) & 0xFFFF) | (long) (b.getShort(0x78) & 0xFFFF) << 16,
                (b.getShort(0x18) & 0xFFFF) | (long) (b.getShort(0x7A) & 0xFFFF) << 16,
                (b.getInt(0x04) & 0xFFFFFFFFL) | (long) b.getInt(0x6C) << 32,
                mtime, nanos, b.getShort(0x1A) & 0xFFFF, blocks, flags, iBlock, b.getInt(0x64),
                (b.getInt(0x68) & 0xFFFFFFFFL) | (long) (b.getShort(0x76) & 0xFFFF) << 32, extra, raw);
    }

    /** Whether a field of the extra area at {@code offset} (4 bytes) lies within i_extra_isize. */
    static boolean fits(int inodeSize, int extraIsize, int offset) {
        return inodeSize > 128 && 0x80 + extraIsize >= offset + 4;
    }

    /**
     * The inode checksum: crc32c over the whole inode with both checksum halves taken as zero,
     * seeded with the filesystem seed, the inode number and the generation. Only the low half
     * exists when i_extra_isize does not reach i_checksum_hi.
     */
    static boolean checksumMatches(byte[] raw, int ino, int fsSeed) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int extra = raw.length > 128 ? b.getShort(0x80) & 0xFFFF : 0;
        boolean hasHi = raw.length > 128 && 0x80 + extra >= Inode.CHECKSUM_HI + 2;
        int stored = (b.getShort(Inode.CHECKSUM_LO) & 0xFFFF) | (hasHi ? (b.getShort(Inode.CHECKSUM_HI) & 0xFFFF) << 16 : 0);
        int crc = Crc32c.updateInt(Crc32c.updateInt(fsSeed, ino), b.getInt(0x64));
        byte[] zero = new byte[2];
        crc = Crc32c.update(crc, raw, 0, Inode.CHECKSUM_LO);
        crc = Crc32c.update(crc, zero, 0, 2);
        crc = Crc32c.update(crc, raw, Inode.CHECKSUM_LO + 2, 128 - Inode.CHECKSUM_LO - 2);
        if (raw.length > 128) {
            crc = Crc32c.update(crc, raw, 128, Inode.CHECKSUM_HI - 128);
            int from = Inode.CHECKSUM_HI;
            if (hasHi) {
                crc = Crc32c.update(crc, zero, 0, 2);
                from += 2;
            }
            crc = Crc32c.update(crc, raw, from, raw.length - from);
        }
        return hasHi ? crc == stored : (crc & 0xFFFF) == stored;
    }

    int type() {
        return mode & S_IFMT;
    }

    boolean isDirectory() {
        return type() == InodeStore.S_IFDIR;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    int permissions() {
        return mode & 07777;
    }
}
