package dev.kiln.ext4;

import java.util.Map;

/**
 * What an inode records about a file besides its type and content.
 *
 * @param permissions the low 12 mode bits (permissions plus setuid, setgid and sticky)
 * @param uid         full 32-bit owner
 * @param gid         full 32-bit group
 * @param mtimeSeconds seconds since the epoch, may be negative or past 2038
 * @param mtimeNanos   0..999,999,999
 * @param xattrs      extended attributes by full name ("security.capability", "user.x",
 *                    "system.posix_acl_access" in the VFS format); iteration order is kept
 */
public record Attributes(int permissions, long uid, long gid, long mtimeSeconds, int mtimeNanos,
                         Map<String, byte[]> xattrs) {
    /** A null {@code xattrs} means none. */
    public Attributes {
        xattrs = xattrs == null ? Map.of() : xattrs;
    }
}
