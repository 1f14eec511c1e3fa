package dev.kiln.ext4;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;

/**
 * Hands out blocks strictly in increasing order, stepping over the superblock + descriptor
 * regions at the start of sparse_super backup groups. Because data streams in before the
 * final size is known, the size of those regions is fixed when the writer starts.
 */
final class BlockAllocator {
    private final int region;
    private long next;

    /** @param gdtRegion descriptor blocks plus reserved descriptor blocks in every backup group */
    BlockAllocator(int gdtRegion) {
        this.region = 1 + gdtRegion;
        this.next = region;
    }

    int backupRegion() {
        return region;
    }

    /** First block not yet handed out (the high-water mark). */
    long next() {
        skipRegion();
        return next;
    }

    /** How many blocks can be taken from {@link #next()} without crossing a backup region. */
    long contiguousAvailable() {
        skipRegion();
        long group = next / BLOCKS_PER_GROUP + 1;
        while (!Geometry.hasSuper(group)) {
            group++;
        }
        return group * BLOCKS_PER_GROUP - next;
    }

    /** Takes n blocks that must be contiguous; n must not exceed {@link #contiguousAvailable()}. */
    long take(long n) {
        if (n > contiguousAvailable()) {
            throw new IllegalStateException("run of " + n + " crosses a backup region");
        }
        long start = next;
        next += n;
        return start;
    }

    /** Takes n contiguous blocks, moving past a backup region first if they wouldn't fit before it. */
    long takeContiguous(long n) {
        while (contiguousAvailable() < n) {
            next += contiguousAvailable();
        }
        return take(n);
    }

    private void skipRegion() {
        long group = next / BLOCKS_PER_GROUP;
        long offset = next - group * BLOCKS_PER_GROUP;
        if (offset < region && Geometry.hasSuper(group)) {
            next = group * BLOCKS_PER_GROUP + region;
        }
    }
}
