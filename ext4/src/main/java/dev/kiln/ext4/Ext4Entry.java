package dev.kiln.ext4;

import java.util.Map;

/**
 * One entry of a tree read by {@link Ext4Reader}.
 *
 * <p>Paths are the raw name bytes joined by '/', relative to the root, which is the empty path.
 * For {@link Type#HARDLINK} only {@code path}, {@code linkTarget} (the path under which the
 * inode was given first, as a FILE or other non-directory entry) and {@code inode} are set.
 *
 * @param permissions the low 12 mode bits
 * @param uid         full 32-bit owner
 * @param gid         full 32-bit group
 * @param mtimeSeconds seconds since the epoch (negative before 1970, past 2038 with the epoch bits)
 * @param mtimeNanos   0..999,999,999 (0 on inodes too small to store them)
 * @param xattrs      full names ("user.x", "security.capability") to values; POSIX ACLs as
 *                    "system.posix_acl_access"/"_default" in the VFS format the writer accepts;
 *                    ordered by name index, name length and name, as ext4 stores them
 * @param linkTarget  symlink target, or for HARDLINK the path of the first name
 * @param size        file size in bytes, symlink target length, else 0
 * @param inode       the inode number in the image
 * @param content     for FILE: its data; null otherwise
 */
public record Ext4Entry(byte[] path, Type type, int permissions, long uid, long gid, long mtimeSeconds,
                        int mtimeNanos, Map<String, byte[]> xattrs, byte[] linkTarget, int devMajor,
                        int devMinor, long size, long inode, FileContent content) {

    /** What the entry is; HARDLINK is a further name of a FILE (or special file) read earlier. */
    public enum Type {
        /** A regular file, with {@code content}. */
        FILE,
        /** A directory. */
        DIRECTORY,
        /** A symbolic link to {@code linkTarget}. */
        SYMLINK,
        /** Another name of the entry at {@code linkTarget}. */
        HARDLINK,
        /** A character device, {@code devMajor}:{@code devMinor}. */
        CHARACTER_DEVICE,
        /** A block device, {@code devMajor}:{@code devMinor}. */
        BLOCK_DEVICE,
        /** A named pipe. */
        FIFO,
        /** A Unix socket. */
        SOCKET
    }

    /** A null {@code xattrs} means none. */
    public Ext4Entry {
        xattrs = xattrs == null ? Map.of() : xattrs;
    }
}
