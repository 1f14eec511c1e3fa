package dev.kiln.source.registry;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Download progress: a live per-layer display on a terminal (bytes, rate, ETA), one plain line
 * per event otherwise, nothing with --quiet. Thread-safe; layers report from download threads.
 */
abstract class Progress {

    /** The progress of one blob. */
    interface Task {
        void advance(long bytes);

        /** The download restarts or resumes at {@code offset}. */
        void reset(long offset);

        void done();

        void failed(String why);
    }

    abstract Task start(String digest, long size);

    /** A blob served from the cache. */
    abstract void cached(String digest, long size);

    void close() {
    }

    static Progress create(boolean quiet, PrintStream err) {
        if (quiet) {
            return NONE;
        }
        return stderrIsTerminal() ? new Terminal(err) : new Lines(err);
    }

    static final Progress NONE = new Progress() {
        @Override
        Task start(String digest, long size) {
            return new Task() {
                public void advance(long bytes) {
                }

                public void reset(long offset) {
                }

                public void done() {
                }

                public void failed(String why) {
                }
            };
        }

        @Override
        void cached(String digest, long size) {
        }
    };

    /** Linux only; elsewhere we print plain lines, which is always safe. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }

    static String bytes(double n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (n >= 1024 && u < units.length - 1) {
            n /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f %s", n, units[u]) : String.format(Locale.ROOT, "%.1f %s", n, units[u]);
    }

    /** Base for both displays: counts bytes and time per blob. */
    private abstract static class Counting extends Progress {
        final PrintStream err;

        Counting(PrintStream err) {
            this.err = err;
        }

        final class Bar implements Task {
            final String digest;
            final long size;
            final long started = System.nanoTime();
            volatile long offset;
            volatile long current;
            volatile String state = "downloading";

            Bar(String digest, long size) {
                this.digest = digest;
                this.size = size;
            }

            @Override
            public void advance(long n) {
                current += n;
                changed(this);
            }

            @Override
            public void reset(long at) {
                offset = at;
                current = at;
                changed(this);
            }

            @Override
            public void done() {
                state = "done";
                finished(this);
            }

            @Override
            public void failed(String why) {
                state = "failed: " + why;
                finished(this);
            }

            double seconds() {
                return Math.max(1e-3, (System.nanoTime() - started) / 1e9);
            }

            double rate() {
                return (current - offset) / seconds();
            }

            String line() {
                StringBuilder sb = new StringBuilder(Digests.shortForm(digest)).append(": ");
                if (state.equals("downloading")) {
                    sb.append(bytes(current));
                    if (size > 0) {
                        sb.append(" / ").append(bytes(size));
                    }
                    double rate = rate();
                    sb.append(", ").append(bytes(rate)).append("/s");
                    if (size > 0 && rate > 0) {
                        sb.append(String.format(Locale.ROOT, ", ETA %ds", (long) Math.ceil((size - current) / rate)));
                    }
                } else if (state.equals("done")) {
                    sb.append(String.format(Locale.ROOT, "%s downloaded in %.1fs (%s/s)", bytes(current), seconds(), bytes(rate())));
                } else {
                    sb.append(state);
                }
                return sb.toString();
            }
        }

        @Override
        Task start(String digest, long size) {
            Bar b = new Bar(digest, size);
            started(b);
            return b;
        }

        abstract void started(Bar b);

        abstract void changed(Bar b);

        abstract void finished(Bar b);
    }

    /** Plain log lines: one when a download starts, one when it ends. */
    static final class Lines extends Counting {
        Lines(PrintStream err) {
            super(err);
        }

        @Override
        void started(Bar b) {
            err.println(Digests.shortForm(b.digest) + ": downloading" + (b.size >= 0 ? " " + bytes(b.size) : ""));
        }

        @Override
        void changed(Bar b) {
        }

        @Override
        void finished(Bar b) {
            err.println(b.line());
        }

        @Override
        void cached(String digest, long size) {
            err.println(Digests.shortForm(digest) + ": cached" + (size >= 0 ? " (" + bytes(size) + ")" : ""));
        }
    }

    /** Redraws one line per active blob, at most ten times a second. */
    static final class Terminal extends Counting {
        private final List<Bar> bars = new ArrayList<>();
        private int drawnLines;
        private long lastDraw;

        Terminal(PrintStream err) {
            super(err);
        }

        @Override
        synchronized void started(Bar b) {
            bars.add(b);
            redraw(true);
        }

        @Override
        synchronized void changed(Bar b) {
            redraw(false);
        }

        @Override
        synchronized void finished(Bar b) {
            redraw(true);
        }

        @Override
        synchronized void cached(String digest, long size) {
            clear();
            err.println(Digests.shortForm(digest) + ": cached (" + bytes(size) + ")");
            redraw(true);
        }

        @Override
        synchronized void close() {
            redraw(true);
        }

        private void clear() {
            if (drawnLines > 0) {
                err.print("\033[" + drawnLines + "A\033[J");
                drawnLines = 0;
            }
        }

        private void redraw(boolean force) {
            long now = System.nanoTime();
            if (!force && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            clear();
            // Finished bars scroll up as permanent lines; active ones stay redrawn below them.
            for (var it = bars.iterator(); it.hasNext(); ) {
                Bar b = it.next();
                if (!b.state.equals("downloading")) {
                    err.println(b.line());
                    it.remove();
                }
            }
            for (Bar b : bars) {
                err.println(b.line());
            }
            drawnLines = bars.size();
            err.flush();
        }
    }
}
