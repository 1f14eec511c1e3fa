package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.kiln.ext4.Geometry.INODE_SIZE;

/**
 * One on-disk inode (256 bytes: the 128-byte base, 32 extra bytes, then in-inode xattrs).
 * All four timestamps are the entry's mtime; the *_extra fields carry nanoseconds and the two
 * epoch bits that extend 32-bit seconds past 2038 (and keep pre-1970 times negative).
 *
 * @param blocks512 i_blocks in 512-byte units (data, extent tree and xattr blocks)
 * @param iBlock    the 60-byte i_block area (extent tree root, fast symlink, device, block map)
 * @param inlineXattrs the in-inode xattr area starting with its magic, or null
 */
record Inode(int mode, long uid, long gid, long size, long timeSeconds, int timeNanos, int links,
             long blocks512, int flags, byte[] iBlock, int generation, long fileAcl, byte[] inlineXattrs) {
    static final int SIZE = INODE_SIZE;
    static final int CHECKSUM_LO = 0x7C;
    static final int CHECKSUM_HI = 0x82;

    static int timeExtra(long seconds, int nanos) {
        long epoch = ((seconds - (int) seconds) >> 32) & 3;
        return (int) (((long) nanos << 2) | epoch);
    }

    /** Encodes at the buffer's position (advancing it by 256) and fills in the checksum. */
    void encode(ByteBuffer out, int ino, int csumSeed) {
        byte[] raw = new byte[SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int time = (int) timeSeconds;
        int extra = timeExtra(timeSeconds, timeNanos);
        b.putShort(0x00, (short) mode);
        b.putShort(0x02, (short) uid);
        b.putInt(0x04, (int) size);
        b.putInt(0x08, time); // atime
        b.putInt(0x0C, time); // ctime
        b.putInt(0x10, time); // mtime
        b.putShort(0x18, (short) gid);
        b.putShort(0x1A, (short) links);
        b.putInt(0x1C, (int) blocks512);
        b.putInt(0x20, flags);
        System.arraycopy(iBlock, 0, raw, 0x28, 60);
        b.putInt(0x64, generation);
        b.putInt(0x68, (int) fileAcl);
        b.putInt(0x6C, (int) (size >>> 32));
        b.putShort(0x74, (short) (blocks512 >>> 32));
        b.putShort(0x76, (short) (fileAcl >>> 32));
        b.putShort(0x78, (short) (uid >>> 16));
        b.putShort(0x7A, (short) (gid >>> 16));
        b.putShort(0x80, (short) Geometry.EXTRA_ISIZE);
        b.putInt(0x84, extra); // ctime_extra
        b.putInt(0x88, extra); // mtime_extra
        b.putInt(0x8C, extra); // atime_extra
        b.putInt(0x90, time);  // crtime
        b.putInt(0x94, extra); // crtime_extra
        if (inlineXattrs != null) {
            System.arraycopy(inlineXattrs, 0, raw, 0x80 + Geometry.EXTRA_ISIZE, inlineXattrs.length);
        }
        int crc = Crc32c.updateInt(Crc32c.updateInt(csumSeed, ino), generation);
        crc = Crc32c.update(crc, raw);
        b.putShort(CHECKSUM_LO, (short) crc);
        b.putShort(CHECKSUM_HI, (short) (crc >>> 16));
        out.put(raw);
    }
}
