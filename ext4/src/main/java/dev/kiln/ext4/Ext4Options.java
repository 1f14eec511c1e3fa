package dev.kiln.ext4;

/**
 * How the filesystem is shaped.
 *
 * <p>Each value is checked against {@link Ext4Limits} here, so that no option can reach the
 * superblock truncated; a bad one is an {@link IllegalArgumentException} saying which and why.
 *
 * @param sizeBytes        exact image size, at most {@link Ext4Limits#MAX_SIZE_BYTES}; 0 means
 *                         "smallest that fits, plus headroom" (then at most
 *                         {@link Ext4Limits#MAX_FIT_SIZE_BYTES})
 * @param headroomFraction extra free space when sizing to fit (0.25 = 25 %), finite and not negative
 * @param minHeadroomBytes at least this much free space when sizing to fit
 * @param inodeCount       total inodes, at most {@link Ext4Limits#MAX_INODES}; 0 means derived
 *                         from the content
 * @param label            volume label (at most 16 bytes)
 * @param uuid             16 bytes, or null to derive it from everything written
 * @param journal          whether to create a jbd2 journal (inode 8)
 * @param creationTime     seconds since the epoch for what the writer itself creates
 *                         (root and lost+found when not given, superblock times); clamped
 *                         to ext4's range like every other time
 */
public record Ext4Options(long sizeBytes, double headroomFraction, long minHeadroomBytes,
                          long inodeCount, String label, byte[] uuid, boolean journal,
                          long creationTime) {

    /** Checks every value against {@link Ext4Limits}; see the class comment. */
    public Ext4Options {
        if (sizeBytes < 0 || sizeBytes > Ext4Limits.MAX_SIZE_BYTES) {
            throw new IllegalArgumentException("image size " + sizeBytes + " bytes is outside 0.."
                    + Ext4Limits.MAX_SIZE_BYTES + " (" + Ext4Limits.size(Ext4Limits.MAX_SIZE_BYTES)
                    + ", the largest ext4 image this writer lays out)");
        }
        if (!Double.isFinite(headroomFraction) || headroomFraction < 0) {
            throw new IllegalArgumentException("headroom " + headroomFraction + " is not a fraction of 0 or more");
        }
        if (minHeadroomBytes < 0) {
            throw new IllegalArgumentException("minimum headroom " + minHeadroomBytes + " bytes is negative");
        }
        if (inodeCount < 0 || inodeCount > Ext4Limits.MAX_INODES) {
            throw new IllegalArgumentException("inode count " + inodeCount + " is outside 0.." + Ext4Limits.MAX_INODES
                    + " (ext4 holds at most " + Ext4Limits.MAX_INODES_PER_GROUP
                    + " inodes per group and a 32-bit count)");
        }
    }

    /** Sized to fit with 25 % headroom (at least 64 MiB), inodes from the content, label kiln-rootfs, a journal, time 0. */
    public static Ext4Options defaults() {
        return new Ext4Options(0, 0.25, 64L << 20, 0, "kiln-rootfs", null, true, 0);
    }

    /** These options with an exact image size in bytes (0: sized to fit). */
    public Ext4Options withSizeBytes(long v) {
        return new Ext4Options(v, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, journal, creationTime);
    }

    /** These options with this free space when sizing to fit: a fraction of the content, at least {@code minBytes}. */
    public Ext4Options withHeadroom(double fraction, long minBytes) {
        return new Ext4Options(sizeBytes, fraction, minBytes, inodeCount, label, uuid, journal, creationTime);
    }

    /** These options with this many inodes (0: derived from the content). */
    public Ext4Options withInodeCount(long v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, v, label, uuid, journal, creationTime);
    }

    /** These options with this volume label (at most 16 bytes of UTF-8). */
    public Ext4Options withLabel(String v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, v, uuid, journal, creationTime);
    }

    /** These options with this filesystem UUID (16 bytes; null: derived from what is written). */
    public Ext4Options withUuid(byte[] v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, v, journal, creationTime);
    }

    /** These options with or without a jbd2 journal. */
    public Ext4Options withJournal(boolean v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, v, creationTime);
    }

    /** These options with this time (seconds since the epoch) for what the writer itself creates. */
    public Ext4Options withCreationTime(long v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, journal, v);
    }
}
