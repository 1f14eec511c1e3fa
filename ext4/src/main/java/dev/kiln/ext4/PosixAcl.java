package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Converts POSIX ACLs from the Linux VFS xattr format (what getxattr returns and tar archives
 * carry: le32 version 2, then 8-byte entries {le16 tag, le16 perm, le32 id}) to ext4's on-disk
 * format (le32 version 1, then 4-byte entries {tag, perm} for USER_OBJ, GROUP_OBJ, MASK and
 * OTHER, and 8-byte entries {tag, perm, id} for named USER and GROUP). The kernel reads only
 * the latter from disk, so storing the VFS bytes would make getfacl fail.
 */
final class PosixAcl {
    static final int VFS_VERSION = 2;
    static final int DISK_VERSION = 1;
    static final int USER_OBJ = 0x01;
    static final int USER = 0x02;
    static final int GROUP_OBJ = 0x04;
    static final int GROUP = 0x08;
    static final int MASK = 0x10;
    static final int OTHER = 0x20;

    private PosixAcl() {
    }

    static byte[] toDisk(String path, String name, byte[] vfs) throws Ext4Exception {
        if (vfs.length < 4 || (vfs.length - 4) % 8 != 0) {
            throw new Ext4Exception(path + ": " + name + ": " + vfs.length + " bytes is not a POSIX ACL");
        }
        ByteBuffer in = ByteBuffer.wrap(vfs).order(ByteOrder.LITTLE_ENDIAN);
        int version = in.getInt(0);
        if (version != VFS_VERSION) {
            throw new Ext4Exception(path + ": " + name + ": ACL version " + version + ", expected "
                    + VFS_VERSION + " (the xattr format)");
        }
        int count = (vfs.length - 4) / 8;
        int size = 4;
        for (int i = 0; i < count; i++) {
            size += entrySize(path, name, in.getShort(4 + i * 8) & 0xFFFF);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(DISK_VERSION);
        for (int i = 0; i < count; i++) {
            int tag = in.getShort(4 + i * 8) & 0xFFFF;
            out.putShort((short) tag);
            out.putShort(in.getShort(6 + i * 8));
            if (tag == USER || tag == GROUP) {
                out.putInt(in.getInt(8 + i * 8));
            }
        }
        return out.array();
    }

    private static int entrySize(String path, String name, int tag) throws Ext4Exception {
        return switch (tag) {
            case USER, GROUP -> 8;
            case USER_OBJ, GROUP_OBJ, MASK, OTHER -> 4;
            default -> throw new Ext4Exception(path + ": " + name + ": unknown ACL tag 0x" + Integer.toHexString(tag));
        };
    }
}
