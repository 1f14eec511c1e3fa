package dev.kiln.output;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One output of a build.
 *
 * @param compression for initramfs, kernel+initrd (its initrd.img) and tar; null elsewhere
 *                    or for the format's default
 */
public record OutputSpec(OutputFormat format, Path path, Compression compression) {
    public OutputSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(path, "path");
        if (compression == null && !format.fromExt4()) {
            compression = format.defaultCompression(path.getFileName().toString());
        }
    }
}
