package dev.kiln.source.oci;

import dev.kiln.image.Descriptor;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.io.ChunkPipe;

import java.io.IOException;
import java.io.InputStream;

/** A layer blob in a store; every open() verifies digest and size and decompresses by media type. */
final class BlobLayer implements Layer {
    private static final int READ_CHUNK = 1 << 20;
    private static final int READ_DEPTH = 4;

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

    /**
     * Reading and hashing the blob run on a thread of their own, ahead of decompression: the
     * digest then costs no time on the decompressing thread, which is the slowest stage.
     */
    @Override
    public InputStream open() throws IOException {
        VerifyingInputStream blob = store.openVerified(descriptor);
        InputStream ahead = ChunkPipe.start("kiln-blob-" + descriptor.digest(), READ_CHUNK, READ_DEPTH, () -> blob);
        return Decompression.open(ahead, descriptor.digest(), compression);
    }
}
