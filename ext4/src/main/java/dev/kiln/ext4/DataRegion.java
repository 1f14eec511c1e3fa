package dev.kiln.ext4;

/**
 * A run of a sparse file that holds data: {@code length} bytes from byte {@code offset}.
 * Everything between regions (and after the last) is a hole, which costs nothing in the image.
 */
public record DataRegion(long offset, long length) {
}
