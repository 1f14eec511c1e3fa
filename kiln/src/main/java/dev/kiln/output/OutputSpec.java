package dev.kiln.output;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One output of a build. The path {@code -} means standard output, which only the formats
 * written front to back in one go can use ({@link OutputFormat#streamable()}).
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

    /** What {@code -o -} and {@code --format F=-} name. */
    public static final String STDOUT = "-";

    /** Whether this output goes to standard output rather than to a file. */
    public boolean toStdout() {
        return path.toString().equals(STDOUT);
    }

    /** How messages name the output: its path, or "standard output". */
    public String where() {
        return toStdout() ? "standard output" : path.toString();
    }
}
