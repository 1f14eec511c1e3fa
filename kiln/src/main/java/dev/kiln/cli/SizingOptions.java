package dev.kiln.cli;

import picocli.CommandLine.Option;

/** Options that shape the ext4 filesystem. */
public final class SizingOptions {
    @Option(names = "--size", paramLabel = "N[K|M|G|T]",
            description = "Exact image size, at most 16T; fails when the content does not fit. Default: fit the content plus headroom (at most 1T).")
    String size;

    @Option(names = "--headroom", paramLabel = "PERCENT", defaultValue = "25",
            description = "Free space added when sizing to fit, in percent of the content (at least 64 MiB). Default: ${DEFAULT-VALUE}.")
    double headroomPercent;

    @Option(names = "--inodes", paramLabel = "N",
            description = "Inode count, at most 4292870144 (32,768 per 128 MiB group). Default: derived from the content.")
    long inodes;

    @Option(names = "--label", defaultValue = "kiln-rootfs", description = "Volume label (at most 16 bytes). Default: ${DEFAULT-VALUE}.")
    String label;

    @Option(names = "--no-journal", description = "Do not create a jbd2 journal.")
    boolean noJournal;
}
