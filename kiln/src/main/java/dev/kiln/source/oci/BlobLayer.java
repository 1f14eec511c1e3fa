package dev.kiln.source.oci;

import dev.kiln.source.Layer;

import java.io.IOException;
import java.io.InputStream;

/** A layer blob in a store; every open() verifies digest and size and decompresses by media type. */
final class BlobLayer implements Layer {
    private final BlobStore store;
    private final Descriptor descriptor;
    private final MediaTypes.Compression compression;

    BlobLayer(BlobStore store, Descriptor descriptor) {
        // Fail on an unknown media type when the image is opened, before any work is done.
        this(store, descriptor, MediaTypes.layerCompression(descriptor.digest(), descriptor.mediaType()));
    }

    BlobLayer(BlobStore store, Descriptor descriptor, MediaTypes.Compression compression) {
        this.store = store;
        this.descriptor = descriptor;
        this.compression = compression;
    }

    @Override
    public String digest() {
        return descriptor.digest();
    }

    @Override
    public String mediaType() {
        return descriptor.mediaType();
    }

    @Override
    public long size() {
        return descriptor.size();
    }

    @Override
    public InputStream open() throws IOException {
        return Decompression.open(store.openVerified(descriptor), descriptor.digest(), compression);
    }
}
