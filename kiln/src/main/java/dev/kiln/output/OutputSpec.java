package dev.kiln.output;

import dev.kiln.KilnException;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One output of a build. The path {@code -} means standard output, which only the formats
 * written front to back in one go can use ({@link OutputFormat#streamable()}).
 *
 * <p>A file's name must not contradict its format or compression ({@code --format tar=x.qcow2},
 * a {@code .cpio.zst} asked to be gzip): such an output is refused rather than written under a
 * name that lies about it. Without a compression, the name picks it ({@link OutputNames}).
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
        if (!scratch && !toStdout) {
            checkName(format, path, compression);
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

    private static void checkName(OutputFormat format, Path path, Compression compression) {
        Optional<OutputNames.Named> named = OutputNames.of(path);
        if (named.isEmpty()) {
            return;
        }
        OutputNames.Named n = named.get();
        String stem = OutputNames.stem(path);
        if (n.format() != format) {
            Compression c = compression != null ? compression : format.defaultCompression(null);
            throw new KilnException(path + ": named as " + article(n.format()) + " output (" + n.suffix()
                    + "), but the format asked for is " + format + "; name it "
                    + (format == OutputFormat.KERNEL_INITRD ? stem : stem + format.suffix(c))
                    + " or ask for " + n.format());
        }
        if (compression != null && n.compression() != null && compression != n.compression()) {
            throw new KilnException(path + ": named as " + describe(n.compression()) + " (" + n.suffix()
                    + "), but the compression asked for is " + compression + "; name it " + stem
                    + format.suffix(compression) + " or ask for " + n.compression());
        }
    }

    private static String article(OutputFormat f) {
        return (f == OutputFormat.EXT4 || f == OutputFormat.INITRAMFS ? "an " : "a ") + f;
    }

    private static String describe(Compression c) {
        return c == Compression.NONE ? "uncompressed" : c + "-compressed";
    }
}
