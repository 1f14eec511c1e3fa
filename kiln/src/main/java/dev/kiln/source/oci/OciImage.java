package dev.kiln.source.oci;

import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
import dev.kiln.image.Platform;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** A resolved image: its manifest's layers, in a store, plus the parsed config. */
public final class OciImage implements Image {
    private final BlobStore store;
    private final List<Layer> layers;
    private final ImageConfig config;
    private final String manifestDigest;
    private final Platform platform;
    private final String configDigest;

    OciImage(BlobStore store, List<Layer> layers, ImageConfig config, String manifestDigest, Platform platform,
             String configDigest) {
        this.store = store;
        this.layers = List.copyOf(layers);
        this.config = config;
        this.manifestDigest = manifestDigest;
        this.platform = platform;
        this.configDigest = configDigest;
    }

    @Override
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public ImageConfig config() {
        return config;
    }

    @Override
    public Optional<String> manifestDigest() {
        return Optional.ofNullable(manifestDigest);
    }

    @Override
    public Optional<String> platform() {
        return Optional.ofNullable(platform).map(Platform::toString);
    }

    /** The platform as a record, for writing it into an index. */
    public Optional<Platform> resolvedPlatform() {
        return Optional.ofNullable(platform);
    }

    @Override
    public Optional<String> configDigest() {
        return Optional.ofNullable(configDigest);
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
