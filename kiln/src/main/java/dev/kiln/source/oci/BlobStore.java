package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image's blobs live: an OCI layout directory, an archive, a registry. Stores hand out
 * raw bytes; {@link #openVerified} and {@link #readJson} add the digest and size checks every
 * read must have.
 */
public interface BlobStore extends Closeable {
    ObjectMapper JSON = new ObjectMapper();
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

    /** Reads a verified JSON document (manifest, index, config). */
    default JsonNode readJson(Descriptor descriptor) throws IOException {
        if (descriptor.size() > MAX_JSON) {
            throw new KilnException(descriptor.digest() + ": document of " + descriptor.size() + " bytes is too large");
        }
        byte[] bytes;
        try (VerifyingInputStream in = openVerified(descriptor)) {
            bytes = in.readAllBytes();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new KilnException(descriptor.digest() + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    @Override
    default void close() throws IOException {
    }
}
