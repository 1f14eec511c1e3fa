package dev.kiln.output;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What an output's file name says about it, the way qemu-img and crane users name files:
 * {@code rootfs.qcow2} is a qcow2 image, {@code rootfs.cpio.zst} a zstd-compressed initramfs.
 * A name with none of these suffixes says nothing (and an output named so is an ext4 image
 * unless a format is given).
 */
public final class OutputNames {

    /**
     * What a suffix says.
     *
     * @param compression for initramfs and tar, the compression the name implies; null for the
     *                    ext4 formats
     */
    public record Named(String suffix, OutputFormat format, Compression compression) {
    }

    /** Longest first, so that {@code .cpio.gz} is found before {@code .gz} could be. */
    private static final List<Named> SUFFIXES = List.of(
            new Named(".cpio.zst", OutputFormat.INITRAMFS, Compression.ZSTD),
            new Named(".cpio.gz", OutputFormat.INITRAMFS, Compression.GZIP),
            new Named(".tar.zst", OutputFormat.TAR, Compression.ZSTD),
            new Named(".tar.gz", OutputFormat.TAR, Compression.GZIP),
            new Named(".qcow2", OutputFormat.QCOW2, null),
            new Named(".cpio", OutputFormat.INITRAMFS, Compression.NONE),
            new Named(".tzst", OutputFormat.TAR, Compression.ZSTD),
            new Named(".ext4", OutputFormat.EXT4, null),
            new Named(".tar", OutputFormat.TAR, Compression.NONE),
            new Named(".tgz", OutputFormat.TAR, Compression.GZIP),
            new Named(".img", OutputFormat.EXT4, null),
            new Named(".raw", OutputFormat.EXT4, null));

    private OutputNames() {
    }

    /** What {@code path}'s file name says (case does not matter), if it has one of the known suffixes. */
    public static Optional<Named> of(Path path) {
        Path file = path.getFileName();
        if (file == null) {
            return Optional.empty();
        }
        String name = file.toString().toLowerCase(Locale.ROOT);
        for (Named n : SUFFIXES) {
            // A name that is only the suffix (".tar") is a hidden file, not a tar named "".
            if (name.endsWith(n.suffix()) && name.length() > n.suffix().length()) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** The compression a tree format's file name implies, even beyond the table ({@code initrd.zst}). */
    static Optional<Compression> compression(Path path) {
        Optional<Named> named = of(path);
        if (named.isPresent()) {
            return Optional.ofNullable(named.get().compression());
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            return Optional.of(Compression.GZIP);
        }
        if (name.endsWith(".zst")) {
            return Optional.of(Compression.ZSTD);
        }
        return Optional.empty();
    }

    /** {@code rootfs.tar.gz} -> {@code rootfs}: the file name without a known suffix (as it was, if none). */
    public static String stem(Path path) {
        String name = path.getFileName().toString();
        return of(path).map(n -> name.substring(0, name.length() - n.suffix().length())).orElse(name);
    }
}
