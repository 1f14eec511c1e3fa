package dev.kiln.cli;

import picocli.CommandLine.Option;

/** Options that shape the ext4 filesystem. */
public final class SizingOptions {
    @Option(names = "--size", paramLabel = "N[K|M|G]",
            description = "Exact image size; fails when the content does not fit. Default: fit the content plus headroom.")
    String size;

    @Option(names = "--headroom", paramLabel = "PERCENT", defaultValue = "25",
            description = "Free space added when sizing to fit, in percent of the content (at least 64 MiB). Default: ${DEFAULT-VALUE}.")
    double headroomPercent;

    @Option(names = "--inodes", paramLabel = "N", description = "Inode count. Default: derived from the content.")
    long inodes;

    @Option(names = "--label", defaultValue = "kiln-rootfs", description = "Volume label (at most 16 bytes). Default: ${DEFAULT-VALUE}.")
    String label;

    @Option(names = "--no-journal", description = "Do not create a jbd2 journal.")
    boolean noJournal;
}
