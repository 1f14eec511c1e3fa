package dev.kiln.ext4;

/** What {@link Ext4Writer#finish()} produced. */
public record Ext4Summary(long sizeBytes, long blockCount, long freeBlocks, long inodeCount,
                          long freeInodes, byte[] uuid) {
}
