package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.MediaTypes;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image's blobs live: an OCI layout directory, an archive, a registry. Stores hand out
 * raw bytes; {@link #openVerified} and {@link #readDocument} add the digest and size checks every
 * read must have.
 */
public interface BlobStore extends Closeable {
    /** Manifests, indexes and configs are small; a larger one is malformed or hostile. */
    int MAX_JSON = 32 << 20;

    /** The raw blob, or null when this store does not hold it. */
    InputStream openRaw(Descriptor descriptor) throws IOException;

    /** What the store is, for messages ("oci:/images/app"). */
    String describe();

    /** The blob, checked against the descriptor's digest and size as it is read. */
    default VerifyingInputStream openVerified(Descriptor descriptor) throws IOException {
        InputStream raw = openRaw(descriptor);
        if (raw == null) {
            if (MediaTypes.isNonDistributable(descriptor.mediaType())) {
                throw new KilnException(descriptor.digest() + ": non-distributable layer is not included in "
                        + describe() + (descriptor.urls().isEmpty() ? "" : " (it lives at " + descriptor.urls() + ")")
                        + "; copy the image with its foreign layers first");
            }
            throw new KilnException(descriptor.digest() + ": blob is missing from " + describe());
        }
        return new VerifyingInputStream(raw, descriptor.digest(), descriptor.size());
    }

    /** The verified bytes of a small document (manifest, index, config), for the records to bind. */
    default byte[] readDocument(Descriptor descriptor) throws IOException {
        if (descriptor.size() > MAX_JSON) {
            throw new KilnException(descriptor.digest() + ": document of " + descriptor.size() + " bytes is too large");
        }
        try (VerifyingInputStream in = openVerified(descriptor)) {
            return in.readAllBytes();
        }
    }

    /** Reads a small document that no descriptor sizes (index.json, manifest.json), and closes it. */
    static byte[] readSmall(InputStream in, String where) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_JSON + 1);
            if (bytes.length > MAX_JSON) {
                throw new KilnException(where + ": larger than " + (MAX_JSON >> 20) + " MiB");
            }
            return bytes;
        }
    }

    @Override
    default void close() throws IOException {
    }
}
