package dev.kiln.ext4;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reader's half of {@link PosixAcl}: ext4's on-disk POSIX ACL (le32 version 1; 4-byte
 * {tag, perm} entries for USER_OBJ, GROUP_OBJ, MASK and OTHER, 8-byte {tag, perm, id} for named
 * USER and GROUP) back to the VFS xattr format the writer and getfattr use (le32 version 2,
 * every entry 8 bytes; entries without an id carry ACL_UNDEFINED_ID, -1, as the kernel's
 * posix_acl_to_xattr writes them).
 */
final class DiskAcl {
    static final int UNDEFINED_ID = -1;

    private DiskAcl() {
    }

    static byte[] toVfs(String where, String name, byte[] disk) throws Ext4Exception {
        ByteBuffer in = ByteBuffer.wrap(disk).order(ByteOrder.LITTLE_ENDIAN);
        if (disk.length < 4 || in.getInt(0) != PosixAcl.DISK_VERSION) {
            throw new Ext4Exception(where + ": " + name + ": not an ext4 POSIX ACL ("
                    + (disk.length < 4 ? disk.length + " bytes" : "version " + in.getInt(0)) + ")");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(disk.length * 2);
        ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(entry.putInt(0, PosixAcl.VFS_VERSION).array(), 0, 4);
        int pos = 4;
        while (pos < disk.length) {
            if (pos + 4 > disk.length) {
                throw new Ext4Exception(where + ": " + name + ": ACL ends inside an entry");
            }
            int tag = in.getShort(pos) & 0xFFFF;
            short perm = in.getShort(pos + 2);
            int id;
            switch (tag) {
                case PosixAcl.USER_OBJ, PosixAcl.GROUP_OBJ, PosixAcl.MASK, PosixAcl.OTHER -> {
                    id = UNDEFINED_ID;
                    pos += 4;
                }
                case PosixAcl.USER, PosixAcl.GROUP -> {
                    if (pos + 8 > disk.length) {
                        throw new Ext4Exception(where + ": " + name + ": ACL ends inside an entry");
                    }
                    id = in.getInt(pos + 4);
                    pos += 8;
                }
                default -> throw new Ext4Exception(where + ": " + name + ": unknown ACL tag 0x" + Integer.toHexString(tag));
            }
            entry.putShort(0, (short) tag).putShort(2, perm).putInt(4, id);
            out.write(entry.array(), 0, 8);
        }
        return out.toByteArray();
    }
}
