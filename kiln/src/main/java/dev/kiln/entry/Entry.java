package dev.kiln.entry;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One file-tree entry as it flows source -> flatten -> guest -> sink.
 *
 * <p>Paths are raw bytes (names need not be UTF-8), relative, '/'-separated, without empty,
 * "." or ".." components; the empty path is the root. {@code content} is only set for
 * {@link EntryType#FILE}, holds exactly {@code size} bytes, and is valid only until the
 * stream that produced the entry advances.
 *
 * @param mode        the low 12 mode bits (permissions plus setuid, setgid, sticky)
 * @param xattrs      full xattr names to raw values; POSIX ACLs as "system.posix_acl_access"
 *                    and "system.posix_acl_default" in the Linux VFS binary format
 * @param linkTarget  symlink target, or for HARDLINK the path of the entry linked to
 */
public record Entry(byte[] path, EntryType type, int mode, long uid, long gid,
                    long mtimeSeconds, int mtimeNanos, Map<String, byte[]> xattrs,
                    byte[] linkTarget, int devMajor, int devMinor, long size, InputStream content) {

    public Entry {
        xattrs = xattrs == null ? Map.of() : xattrs;
    }

    public String pathString() {
        return new String(path, StandardCharsets.UTF_8);
    }

    public Entry withPath(byte[] newPath) {
        return new Entry(newPath, type, mode, uid, gid, mtimeSeconds, mtimeNanos, xattrs, linkTarget,
                devMajor, devMinor, size, content);
    }

    public Entry withLinkTarget(byte[] newTarget) {
        return new Entry(path, type, mode, uid, gid, mtimeSeconds, mtimeNanos, xattrs, newTarget,
                devMajor, devMinor, size, content);
    }

    public Entry withContent(long newSize, InputStream newContent) {
        return new Entry(path, type, mode, uid, gid, mtimeSeconds, mtimeNanos, xattrs, linkTarget,
                devMajor, devMinor, newSize, newContent);
    }

    public static Entry directory(byte[] path, int mode, long uid, long gid, long mtime) {
        return new Entry(path, EntryType.DIRECTORY, mode, uid, gid, mtime, 0, Map.of(), null, 0, 0, 0, null);
    }

    public static Entry file(byte[] path, int mode, long uid, long gid, long mtime, long size, InputStream content) {
        return new Entry(path, EntryType.FILE, mode, uid, gid, mtime, 0, Map.of(), null, 0, 0, size, content);
    }

    public static Entry symlink(byte[] path, byte[] target, long uid, long gid, long mtime) {
        return new Entry(path, EntryType.SYMLINK, 0777, uid, gid, mtime, 0, Map.of(), target, 0, 0, 0, null);
    }
}
