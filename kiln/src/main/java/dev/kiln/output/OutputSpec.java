package dev.kiln.output;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One output of a build. The path {@code -} means standard output, which only the formats
 * written front to back in one go can use ({@link OutputFormat#streamable()}).
 *
 * @param compression for initramfs, kernel+initrd (its initrd.img) and tar; null elsewhere
 *                    or for the format's default
 * @param scratch     a file that is written but never published: {@code path} is then the
 *                    directory it goes in, the file is named by the build, handed to the caller
 *                    in {@link WrittenOutputs}, and deleted when the {@link OutputSession} closes
 *                    (an ext4 disk a VM boots during the build, say)
 */
public record OutputSpec(OutputFormat format, Path path, Compression compression, boolean scratch) {
    public OutputSpec {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(path, "path");
        boolean toStdout = path.toString().equals(STDOUT);
        if (scratch && (toStdout || format == OutputFormat.KERNEL_INITRD)) {
            throw new IllegalArgumentException("a scratch output is one file, not " + format + " at " + path);
        }
        if (compression == null && !format.fromExt4()) {
            compression = format.defaultCompression(scratch || path.getFileName() == null ? null
                    : path.getFileName().toString());
        }
    }

    /** A published output (see the class comment). */
    public OutputSpec(OutputFormat format, Path path, Compression compression) {
        this(format, path, compression, false);
    }

    /** A file of {@code format} written into {@code directory} for the caller's use, never published. */
    public static OutputSpec scratch(OutputFormat format, Path directory) {
        return new OutputSpec(format, directory, null, true);
    }

    /** What {@code -o -} and {@code --format F=-} name. */
    public static final String STDOUT = "-";

    /** Whether this output goes to standard output rather than to a file. */
    public boolean toStdout() {
        return path.toString().equals(STDOUT);
    }

    /** The directory the output's file (or its temporary) is written in. */
    public Path directory() {
        Path absolute = path.toAbsolutePath();
        return scratch ? absolute : absolute.getParent();
    }

    /** How messages name the output: its path, or "standard output". */
    public String where() {
        return toStdout() ? "standard output" : scratch ? "scratch " + format + " in " + path : path.toString();
    }
}
