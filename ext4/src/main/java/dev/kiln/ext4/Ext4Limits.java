package dev.kiln.ext4;

import java.time.Instant;

/**
 * The numbers an image from this writer can hold, and where each comes from. A value past
 * one of them is an {@link Ext4Exception} naming the path (or an {@link IllegalArgumentException}
 * for {@link Ext4Options}), never a silently truncated field; timestamps alone are clamped,
 * as the kernel clamps them, and reported through {@link Ext4Summary#warnings()}.
 */
public final class Ext4Limits {
    /**
     * Largest file: extents address 32-bit logical block numbers, and the kernel keeps the
     * last one back so that one extent length can cover a whole file (s_maxbytes =
     * (2^32 - 1) x 4 KiB = 16 TiB - 4 KiB); it refuses to load an inode with a larger size.
     */
    public static final long MAX_FILE_SIZE = ((1L << 32) - 1) * Geometry.BLOCK_SIZE;
    /** uid and gid are 32-bit (16 bits in the base inode, 16 in its osd2 area). */
    public static final long MAX_ID = 0xFFFF_FFFFL;
    /** Device numbers are stored the kernel's way: a 12-bit major and a 20-bit minor in one word. */
    public static final int MAX_DEVICE_MAJOR = 0xFFF;
    /** The largest minor device number (20 bits). */
    public static final int MAX_DEVICE_MINOR = 0xF_FFFF;
    /**
     * Inode times are signed 32-bit seconds plus two epoch bits: 1901-12-13T20:45:52Z to
     * 2446-05-10T22:38:55Z (the kernel's s_time_min and s_time_max). Times outside are clamped.
     */
    public static final long MIN_TIME = Integer.MIN_VALUE;
    /** The latest inode time, in seconds since the epoch (see {@link #MIN_TIME}). */
    public static final long MAX_TIME = (1L << 34) - 1 + Integer.MIN_VALUE;
    /**
     * Largest image: every block number must fit 32 bits, as the resize inode's block map
     * stores them (2^32 blocks of 4 KiB).
     */
    public static final long MAX_SIZE_BYTES = 1L << 44;
    /**
     * Largest image sized to fit (no exact size): the descriptor blocks reserved in every
     * backup group are fixed before the size is known, and are sized for growth to 1 TiB.
     */
    public static final long MAX_FIT_SIZE_BYTES = (long) Geometry.GROWABLE_GDT_REGION
            * Geometry.DESCS_PER_BLOCK * Geometry.BLOCKS_PER_GROUP * Geometry.BLOCK_SIZE;
    /** One inode bitmap block per group: at most 32,768 inodes in a group. */
    public static final int MAX_INODES_PER_GROUP = Geometry.BLOCK_SIZE * 8;
    /**
     * Most inodes: s_inodes_count is 32-bit, a group holds whole inode-table blocks of at most
     * 32,768 inodes, and there are at most 131,072 groups; 131,072 x 32,752 is the largest
     * count every group count can lay out within 32 bits.
     */
    public static final long MAX_INODES = (MAX_SIZE_BYTES / Geometry.BLOCK_SIZE / Geometry.BLOCKS_PER_GROUP)
            * (MAX_INODES_PER_GROUP - Geometry.INODES_PER_BLOCK);

    private Ext4Limits() {
    }

    /** A time's clamped value: what the kernel stores for it. */
    static long clampTime(long seconds) {
        return Math.max(MIN_TIME, Math.min(MAX_TIME, seconds));
    }

    /** The range of inode times, for messages: "1901-12-13 .. 2446-05-10". */
    static String timeRange() {
        return Instant.ofEpochSecond(MIN_TIME).toString().substring(0, 10) + " .. "
                + Instant.ofEpochSecond(MAX_TIME).toString().substring(0, 10);
    }

    /** A size for messages: whole MiB, GiB or TiB when it is one, else bytes. */
    static String size(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + " " + units[i];
            }
        }
        return bytes + " bytes";
    }
}
