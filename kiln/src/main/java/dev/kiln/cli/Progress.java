package dev.kiln.cli;

import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryType;
import dev.kiln.ext4.Ext4Summary;

import java.io.PrintStream;

/** Reports what the build has written, at most every few seconds, so long builds show life. */
final class Progress {
    private static final long INTERVAL_NANOS = 5_000_000_000L;

    private final PrintStream log;
    private final boolean quiet;
    private final long started = System.nanoTime();
    private long lastReport = started;
    private long entries;
    private long bytes;

    Progress(PrintStream log, boolean quiet) {
        this.log = log;
        this.quiet = quiet;
    }

    EntrySink wrap(EntrySink sink) {
        return entry -> {
            sink.accept(entry);
            entries++;
            if (entry.type() == EntryType.FILE) {
                bytes += entry.size();
            }
            long now = System.nanoTime();
            if (!quiet && now - lastReport >= INTERVAL_NANOS) {
                lastReport = now;
                log.printf("kiln: %,d entries, %s of file data written%n", entries, mib(bytes));
            }
        };
    }

    void done(String output, Ext4Summary summary) {
        if (quiet) {
            return;
        }
        long usedBlocks = summary.blockCount() - summary.freeBlocks();
        log.printf("kiln: wrote %s: %s ext4, %s used, %,d entries, %.1f s%n", output,
                mib(summary.sizeBytes()), mib(usedBlocks * 4096), entries,
                (System.nanoTime() - started) / 1e9);
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
