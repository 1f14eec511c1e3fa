package dev.kiln.ext4;

/**
 * How the filesystem is shaped.
 *
 * @param sizeBytes        exact image size; 0 means "smallest that fits, plus headroom"
 * @param headroomFraction extra free space when sizing to fit (0.25 = 25 %)
 * @param minHeadroomBytes at least this much free space when sizing to fit
 * @param inodeCount       total inodes; 0 means derived from the content
 * @param label            volume label (at most 16 bytes)
 * @param uuid             16 bytes, or null to derive it from everything written
 * @param journal          whether to create a jbd2 journal (inode 8)
 * @param creationTime     seconds since the epoch for what the writer itself creates
 *                         (root and lost+found when not given, superblock times)
 */
public record Ext4Options(long sizeBytes, double headroomFraction, long minHeadroomBytes,
                          long inodeCount, String label, byte[] uuid, boolean journal,
                          long creationTime) {

    public static Ext4Options defaults() {
        return new Ext4Options(0, 0.25, 64L << 20, 0, "kiln-rootfs", null, true, 0);
    }

    public Ext4Options withSizeBytes(long v) {
        return new Ext4Options(v, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, journal, creationTime);
    }

    public Ext4Options withHeadroom(double fraction, long minBytes) {
        return new Ext4Options(sizeBytes, fraction, minBytes, inodeCount, label, uuid, journal, creationTime);
    }

    public Ext4Options withInodeCount(long v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, v, label, uuid, journal, creationTime);
    }

    public Ext4Options withLabel(String v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, v, uuid, journal, creationTime);
    }

    public Ext4Options withUuid(byte[] v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, v, journal, creationTime);
    }

    public Ext4Options withJournal(boolean v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, v, creationTime);
    }

    public Ext4Options withCreationTime(long v) {
        return new Ext4Options(sizeBytes, headroomFraction, minHeadroomBytes, inodeCount, label, uuid, journal, v);
    }
}
