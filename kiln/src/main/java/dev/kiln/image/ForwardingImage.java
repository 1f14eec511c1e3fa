package dev.kiln.image;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * An image that answers every question as another one does, for wrappers that change one
 * answer (the layers, say) and keep the rest.
 */
public abstract class ForwardingImage implements Image {
    private final Image delegate;

    protected ForwardingImage(Image delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<Layer> layers() {
        return delegate.layers();
    }

    @Override
    public ImageConfig config() {
        return delegate.config();
    }

    @Override
    public Optional<String> manifestDigest() {
        return delegate.manifestDigest();
    }

    @Override
    public Optional<String> platform() {
        return delegate.platform();
    }

    @Override
    public Optional<String> configDigest() {
        return delegate.configDigest();
    }

    @Override
    public boolean hasWhiteouts() {
        return delegate.hasWhiteouts();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
