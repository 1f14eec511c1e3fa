package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** One 64-byte group descriptor (64bit feature), checksummed with the filesystem seed. */
record GroupDescriptor(long blockBitmap, long inodeBitmap, long inodeTable, long freeBlocks,
                       long freeInodes, long usedDirs, int flags, long itableUnused,
                       int blockBitmapCsum, int inodeBitmapCsum) {
    static final int SIZE = Geometry.DESC_SIZE;
    static final int INODE_UNINIT = 0x1;
    static final int INODE_ZEROED = 0x4;

    void encode(ByteBuffer out, int group, int csumSeed) {
        byte[] raw = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, (int) blockBitmap);
        b.putInt(0x04, (int) inodeBitmap);
        b.putInt(0x08, (int) inodeTable);
        b.putShort(0x0C, (short) freeBlocks);
        b.putShort(0x0E, (short) freeInodes);
        b.putShort(0x10, (short) usedDirs);
        b.putShort(0x12, (short) flags);
        b.putShort(0x18, (short) blockBitmapCsum);
        b.putShort(0x1A, (short) inodeBitmapCsum);
        b.putShort(0x1C, (short) itableUnused);
        b.putInt(0x20, (int) (blockBitmap >>> 32));
        b.putInt(0x24, (int) (inodeBitmap >>> 32));
        b.putInt(0x28, (int) (inodeTable >>> 32));
        b.putShort(0x2C, (short) (freeBlocks >>> 16));
        b.putShort(0x2E, (short) (freeInodes >>> 16));
        b.putShort(0x30, (short) (usedDirs >>> 16));
        b.putShort(0x32, (short) (itableUnused >>> 16));
        b.putShort(0x38, (short) (blockBitmapCsum >>> 16));
        b.putShort(0x3A, (short) (inodeBitmapCsum >>> 16));
        int crc = Crc32c.updateInt(csumSeed, group);
        crc = Crc32c.update(crc, raw); // bg_checksum is still zero here
        b.putShort(0x1E, (short) crc);
        out.put(raw);
    }
}
