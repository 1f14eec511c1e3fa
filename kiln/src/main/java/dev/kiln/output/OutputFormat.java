package dev.kiln.output;

import dev.kiln.KilnException;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a build can produce; several may come out of one pass over the source. */
public enum OutputFormat {
    /** A raw, sparse ext4 filesystem image. */
    EXT4("ext4", ".ext4"),
    /** The same ext4 filesystem in a qcow2 v3 file, only non-zero clusters stored. */
    QCOW2("qcow2", ".qcow2"),
    /** A newc cpio archive of the tree, compressed, with /init: a bootable initramfs. */
    INITRAMFS("initramfs", ".cpio"),
    /** A directory with kernel, initrd.img and cmdline. */
    KERNEL_INITRD("kernel+initrd", "-boot"),
    /** The tree as a pax tar archive, like {@code crane export}. */
    TAR("tar", ".tar");

    private final String flag;
    private final String suffix;

    OutputFormat(String flag, String suffix) {
        this.flag = flag;
        this.suffix = suffix;
    }

    /** Whether the format is made from the ext4 image (rather than from the collected tree). */
    public boolean fromExt4() {
        return this == EXT4 || this == QCOW2;
    }

    /**
     * Whether the format is written front to back in one go, so that it can go to standard
     * output. An ext4 image is written out of order (metadata last, at its place), qcow2 is
     * made from it, and kernel+initrd is a directory.
     */
    public boolean streamable() {
        return this == TAR || this == INITRAMFS;
    }

    /** The default file name suffix, used when a path is derived from {@code -o}. */
    public String suffix(Compression compression) {
        if (this == INITRAMFS || this == TAR) {
            return suffix + switch (compression) {
                case GZIP -> ".gz";
                case ZSTD -> ".zst";
                case NONE -> "";
            };
        }
        return suffix;
    }

    /**
     * The compression when none is asked for: what the file name says ({@code .cpio} none,
     * {@code .tar.gz} gzip, any {@code .zst} zstd, see {@link OutputNames}), else gzip for
     * initramfs and kernel+initrd's initrd.img, none for tar.
     */
    public Compression defaultCompression(String path) {
        if (fromExt4()) {
            return Compression.NONE;
        }
        if (path != null && this != KERNEL_INITRD) {
            java.util.Optional<Compression> named = OutputNames.compression(java.nio.file.Path.of(path));
            if (named.isPresent()) {
                return named.get();
            }
        }
        return this == TAR ? Compression.NONE : Compression.GZIP;
    }

    public static OutputFormat parse(String where, String name) {
        for (OutputFormat f : values()) {
            if (f.flag.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new KilnException(where + " " + name + ": unknown format; expected one of "
                + Arrays.stream(values()).map(OutputFormat::toString).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return flag;
    }
}
