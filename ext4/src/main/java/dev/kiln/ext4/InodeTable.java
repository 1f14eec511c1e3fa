package dev.kiln.ext4;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds and reads inodes: group from the number, table block from the group's descriptor.
 * Keeps the last few table blocks, since the tree's inodes are read in nearly increasing order.
 */
final class InodeTable {
    private static final int CACHED_BLOCKS = 64;

    private final ImageChannel image;
    private final SuperblockView sb;
    private final GroupTable groups;
    private final boolean verify;
    private final Map<Long, byte[]> cache = new LinkedHashMap<>(CACHED_BLOCKS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CACHED_BLOCKS;
        }
    };

    InodeTable(ImageChannel image, SuperblockView sb, GroupTable groups, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.groups = groups;
        this.verify = verify;
    }

    /** The first inode number not reserved for the filesystem's own use (11 unless s_first_ino says more). */
    int firstIno() {
        return sb.firstIno();
    }

    /**
     * Reads inode {@code ino} for the entry {@code where} ("/path"); fails when the number is
     * out of range, the inode lies in the uninitialized part of its table, its checksum is
     * wrong, or it is not in use.
     */
    InodeView read(long ino, String where) throws IOException {
        String what = where + " (inode " + ino + ")";
        if (ino < 1 || ino > sb.inodesCount()) {
            throw new Ext4Exception(what + ": inode number outside 1.." + sb.inodesCount());
        }
        long group = (ino - 1) / sb.inodesPerGroup();
        int index = (int) ((ino - 1) % sb.inodesPerGroup());
        GroupTable.Group g = groups.group(group);
        if (sb.groupCsum() && ((g.flags() & GroupTable.INODE_UNINIT) != 0
                || index >= sb.inodesPerGroup() - g.itableUnused())) {
            throw new Ext4Exception(what + ": not in use (its group's inode table is uninitialized there)");
        }
        long byteInTable = (long) index * sb.inodeSize();
        long block = g.inodeTable() + byteInTable / sb.blockSize();
        int offset = (int) (byteInTable % sb.blockSize());
        byte[] table = cache.get(block);
        if (table == null) {
            table = image.block(block, what);
            cache.put(block, table);
        }
        byte[] raw = new byte[sb.inodeSize()];
        System.arraycopy(table, offset, raw, 0, raw.length);
        if (raw.length > 128) {
            int extra = ((raw[0x81] & 0xFF) << 8) | (raw[0x80] & 0xFF);
            if (128 + extra > raw.length || (extra & 3) != 0) {
                throw new Ext4Exception(what + ": i_extra_isize " + extra + " does not fit a " + raw.length
                        + "-byte inode");
            }
        }
        if (verify && sb.metadataCsum() && !InodeView.checksumMatches(raw, (int) ino, sb.csumSeed())) {
            throw new Ext4Exception(what + ": inode checksum mismatch");
        }
        InodeView inode = InodeView.parse((int) ino, raw, sb.hasRo(Features.RO_COMPAT_HUGE_FILE), sb.blockSize());
        if (inode.links() == 0 || inode.mode() == 0) {
            throw new Ext4Exception(what + ": not in use (" + (inode.mode() == 0 ? "no file type" : "link count 0") + ")");
        }
        return inode;
    }
}
