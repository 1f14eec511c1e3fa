package dev.kiln.build;

import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryType;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.output.WrittenOutput;
import dev.kiln.image.SourceEvent;
import dev.kiln.io.Terminals;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one progress display of a command: downloads (the source's {@link SourceEvent}s) and
 * the writing of the image together. On a terminal (standard error) it is a block of lines
 * redrawn in place a few times a second: one per download in progress, one for the build
 * (entries, bytes written, rate, and an ETA from how far the layers have been read). Anywhere
 * else nothing is drawn: only the summary lines at the end appear. With -q nothing at all;
 * warnings and errors are not progress and always show.
 *
 * <p>Thread-safe: downloads report from their own threads, the build from the writing thread,
 * and a ticker thread draws.
 */
public final class Progress implements Consumer<SourceEvent>, AutoCloseable {
    private static final long REDRAW_NANOS = 200_000_000L;
    /** Longer lines would wrap, and the redraw would then clear too few. */
    private static final int WIDTH = 79;

    private final PrintStream err;
    private final boolean terminal;
    private final boolean quiet;
    private final LongSupplier clock;
    private final long started;

    private final Map<String, Download> downloads = new LinkedHashMap<>();
    private int downloaded;
    private long downloadedBytes;
    private long firstDownload = -1;
    private long lastDownload;
    private int cached;
    private long cachedBytes;

    private volatile String phase = "starting";
    private volatile long writingSince = -1;
    private volatile long finishingSince = -1;
    private volatile LayerMeter meter = LayerMeter.none();
    // Written by the writing thread only, read by the drawing one.
    private volatile long entries;
    private volatile long fileBytes;

    private int drawnLines;
    private List<String> drawn = List.of();
    private Thread ticker;
    private boolean closed;

    /**
     * @param terminal draw live lines (ANSI cursor movement); false: only the final summary lines
     * @param clock    nanoseconds, like {@link System#nanoTime()}
     */
    Progress(PrintStream err, boolean terminal, boolean quiet, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.quiet = quiet;
        this.clock = clock;
        this.started = clock.getAsLong();
    }

    /** A display on {@code err} (the process's standard error), live when that is a terminal. */
    public static Progress onStderr(PrintStream err, boolean quiet) {
        Progress progress = new Progress(err, !quiet && stderrIsTerminal(), quiet, System::nanoTime);
        if (progress.terminal) {
            progress.ticker = new Thread(progress::tick, "kiln-progress");
            progress.ticker.setDaemon(true);
            progress.ticker.start();
        }
        return progress;
    }

    /** Linux only; elsewhere (and on a terminal that cannot move the cursor) nothing is drawn. */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        return Terminals.isTerminal(Terminals.STDERR);
    }

    private void tick() {
        while (true) {
            try {
                Thread.sleep(REDRAW_NANOS / 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                draw();
            }
        }
    }

    /** What is going on before the writing starts ("resolving alpine:3.20"). */
    public void phase(String what) {
        phase = what;
    }

    /** The entries start to flow; {@code layers} tells how far their layers have been read. */
    void writing(LayerMeter layers) {
        meter = layers;
        writingSince = clock.getAsLong();
    }

    /** Every entry is written; the outputs are being finished. */
    void finishing() {
        finishingSince = clock.getAsLong();
    }

    /** {@code sink}, counting what goes through it. */
    EntrySink wrap(EntrySink sink) {
        return entry -> {
            sink.accept(entry);
            entries++;
            if (entry.type() == EntryType.FILE) {
                fileBytes += entry.size();
            }
        };
    }

    long entries() {
        return entries;
    }

    long fileBytes() {
        return fileBytes;
    }

    @Override
    public synchronized void accept(SourceEvent event) {
        long now = clock.getAsLong();
        if (event instanceof SourceEvent.DownloadStarted s) {
            downloads.put(s.digest(), new Download(s.size(), s.offset(), now));
            if (firstDownload < 0) {
                firstDownload = now;
            }
        } else if (event instanceof SourceEvent.Downloaded d) {
            Download download = downloads.get(d.digest());
            if (download != null) {
                download.current += d.bytes();
                download.note = null;
            }
        } else if (event instanceof SourceEvent.DownloadRetried r) {
            Download download = downloads.get(r.digest());
            if (download != null) {
                download.current = r.offset();
                download.note = r.attempt() > 0 ? "retrying (attempt " + r.attempt() + "): " + r.why() : r.why();
            }
        } else if (event instanceof SourceEvent.DownloadDone d) {
            Download download = downloads.remove(d.digest());
            downloaded++;
            downloadedBytes += download == null ? d.bytes() : d.bytes() - download.offset;
            lastDownload = now;
        } else if (event instanceof SourceEvent.DownloadFailed f) {
            downloads.remove(f.digest());   // the failure reaches the user as the command's error
        } else if (event instanceof SourceEvent.Cached c) {
            cached++;
            cachedBytes += Math.max(0, c.size());
        }
    }

    /** Redraws the live lines (on a terminal; elsewhere nothing). */
    synchronized void draw() {
        if (!terminal || quiet || closed) {
            return;
        }
        List<String> lines = lines().stream()
                .map(line -> line.length() > WIDTH ? line.substring(0, WIDTH - 3) + "..." : line).toList();
        if (drawnLines > 0 && lines.equals(drawn)) {
            return;   // the same again: no flicker, no bytes
        }
        clear();
        lines.forEach(err::println);
        drawn = lines;
        drawnLines = lines.size();
        err.flush();
    }

    /** The live lines: one per download in progress, then the build's. */
    synchronized List<String> lines() {
        long now = clock.getAsLong();
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Download> d : downloads.entrySet()) {
            lines.add(shortDigest(d.getKey()) + ": " + d.getValue().line(now));
        }
        lines.add(status(now));
        return lines;
    }

    private String status(long now) {
        if (finishingSince >= 0) {
            return "finishing outputs, " + duration(now - finishingSince);
        }
        if (writingSince < 0) {
            return phase + ", " + duration(now - started);
        }
        double seconds = Math.max(1e-3, (now - writingSince) / 1e9);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "writing: %,d entries, %s, %s/s",
                entries, bytes(fileBytes), bytes(fileBytes / seconds)));
        double fraction = meter.fraction();
        if (fraction > 0.01 && fraction < 1) {
            long eta = (long) ((now - writingSince) * (1 - fraction) / fraction);
            line.append(String.format(Locale.ROOT, ", layers %d%%, ETA %s", (int) (fraction * 100), duration(eta)));
        }
        return line.toString();
    }

    /** Prints a line of its own (a warning, a result) above the live lines. */
    synchronized void println(String line) {
        clear();
        err.println(line);
        err.flush();
    }

    /** Prints the summary lines of a finished command (unless quiet). */
    public synchronized void summary(List<String> lines) {
        if (quiet) {
            return;
        }
        for (String line : lines) {
            println(line);
        }
    }

    /** What came from the registry, as one line (none when nothing did). */
    public synchronized List<String> downloadSummary() {
        List<String> lines = new ArrayList<>();
        String fromCache = cached == 0 ? "" : cached + (cached == 1 ? " layer" : " layers") + " from the cache ("
                + bytes(cachedBytes) + ")";
        if (downloaded > 0) {
            double seconds = Math.max(1e-3, (lastDownload - firstDownload) / 1e9);
            lines.add(String.format(Locale.ROOT, "kiln: downloaded %d %s, %s in %.1f s (%s/s)%s", downloaded,
                    downloaded == 1 ? "layer" : "layers", bytes(downloadedBytes), seconds,
                    bytes(downloadedBytes / seconds), fromCache.isEmpty() ? "" : "; " + fromCache));
        } else if (cached > 0) {
            lines.add("kiln: " + fromCache);
        }
        return lines;
    }

    /** The line for each output a build wrote. */
    List<String> wroteLines(List<WrittenOutput> outputs, Ext4Summary ext4) {
        List<String> lines = new ArrayList<>();
        for (WrittenOutput o : outputs) {
            if (o.scratch()) {
                continue;
            }
            if (o.format() == dev.kiln.output.OutputFormat.EXT4) {
                long usedBlocks = ext4.blockCount() - ext4.freeBlocks();
                lines.add(String.format("kiln: wrote %s: %s ext4, %s used, %,d entries, %.1f s", o.path(),
                        mib(ext4.sizeBytes()), mib(usedBlocks * 4096), entries,
                        (clock.getAsLong() - started) / 1e9));
            } else if (o.path().toString().equals(dev.kiln.output.OutputSpec.STDOUT)) {
                lines.add(String.format("kiln: wrote %s to standard output", o.format()));
            } else {
                lines.add(String.format("kiln: wrote %s (%s)", o.path(), o.format()));
            }
        }
        return lines;
    }

    /** Stops drawing and removes the live lines: what is printed next starts on a clean line. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            clear();
            closed = true;
            t = ticker;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void clear() {
        if (drawnLines > 0) {
            err.print("\033[" + drawnLines + "A\033[J");
            drawnLines = 0;
        }
    }

    /** One blob being downloaded. */
    private static final class Download {
        final long size;
        final long offset;
        final long since;
        long current;
        String note;

        Download(long size, long offset, long since) {
            this.size = size;
            this.offset = offset;
            this.since = since;
            this.current = offset;
        }

        String line(long now) {
            double seconds = Math.max(1e-3, (now - since) / 1e9);
            double rate = (current - offset) / seconds;
            StringBuilder sb = new StringBuilder(bytes(current));
            if (size > 0) {
                sb.append(" / ").append(bytes(size));
            }
            if (note != null) {
                return sb.append(", ").append(note).toString();   // no rate to speak of until bytes flow again
            }
            sb.append(", ").append(bytes(rate)).append("/s");
            if (size > 0 && rate > 0) {
                sb.append(", ETA ").append(duration((long) ((size - current) / rate * 1e9)));
            }
            return sb.toString();
        }
    }

    /** "sha256:0123456789ab": enough to tell layers apart. */
    static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    static String bytes(double n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f %s", n, units[u])
                : String.format(Locale.ROOT, "%.1f %s", n, units[u]);
    }

    static String duration(long nanos) {
        long s = Math.max(0, (nanos + 999_999_999L) / 1_000_000_000L);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
