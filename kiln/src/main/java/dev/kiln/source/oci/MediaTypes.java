package dev.kiln.source.oci;

/**
 * An alias of {@link dev.kiln.image.MediaTypes} (its nested {@code Compression} is inherited), kept
 * only so that {@link Decompression}, which another change is editing at the same time, still
 * compiles without an import. TODO(issue 11): import dev.kiln.image.MediaTypes in Decompression
 * and delete this class.
 */
final class MediaTypes extends dev.kiln.image.MediaTypes {
    private MediaTypes() {
    }
}
