package dev.kiln.image;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** An image is its layers plus its config. */
public interface Image extends Closeable {
    /** Bottom layer first. */
    List<Layer> layers();

    ImageConfig config();

    /** The resolved manifest digest, for images that have one. */
    default Optional<String> manifestDigest() {
        return Optional.empty();
    }

    /** "os/arch[/variant]" of the resolved manifest, when known. */
    default Optional<String> platform() {
        return Optional.empty();
    }

    /** The config blob's digest, for images that have one. */
    default Optional<String> configDigest() {
        return Optional.empty();
    }

    /** Whether the layers use OCI whiteouts (true for images, false for plain root filesystems). */
    default boolean hasWhiteouts() {
        return true;
    }

    @Override
    default void close() throws IOException {
    }
}
