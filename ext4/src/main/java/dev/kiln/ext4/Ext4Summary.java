package dev.kiln.ext4;

import java.util.List;

/**
 * What {@link Ext4Writer#finish()} produced.
 *
 * @param sizeBytes  the image's size in bytes
 * @param blockCount blocks of 4 KiB in the filesystem
 * @param freeBlocks of those, the free ones
 * @param inodeCount inodes in the filesystem
 * @param freeInodes of those, the free ones
 * @param uuid       the filesystem UUID, 16 bytes
 *
 * @param warnings what the writer changed to make the input fit ext4 (timestamps clamped to its
 *                 range), one line each, at most one line per kind; the caller shows them
 */
public record Ext4Summary(long sizeBytes, long blockCount, long freeBlocks, long inodeCount,
                          long freeInodes, byte[] uuid, List<String> warnings) {
    /** Keeps an unmodifiable copy of {@code warnings}. */
    public Ext4Summary {
        warnings = List.copyOf(warnings);
    }
}
