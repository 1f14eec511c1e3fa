package dev.kiln.steps;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The directories kiln-init creates on a step's disk when the image lacks them: the mount
 * points /proc, /sys, /dev and /run (see PROTOCOL.md, "Build steps"), and /etc, made to hold
 * the mount point of the steps' resolv.conf (the file itself is removed again). They are
 * Kiln's, not the image's: a tree read back from a scratch disk leaves out each one the tree
 * written to that disk did not have, as long as it is still an empty directory (what a step
 * writes to a mount point goes to the file system mounted over it, so it stays empty unless a
 * step unmounted it and wrote there; a step's files in /etc keep /etc too).
 */
final class MountPoints {
    enum Point {
        PROC, SYS, DEV, RUN, ETC;

        final byte[] name = name().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);

        /** The point {@code path} is, or is below; null for neither. */
        static Point of(byte[] path) {
            for (Point p : values()) {
                int n = p.name.length;
                if (path.length >= n && java.util.Arrays.equals(path, 0, n, p.name, 0, n)
                        && (path.length == n || path[n] == '/')) {
                    return p;
                }
            }
            return null;
        }

        boolean is(byte[] path) {
            return java.util.Arrays.equals(path, name);
        }
    }

    private MountPoints() {
    }

    /** Notes, for each entry written to a scratch disk, which mount points the tree has. */
    static final class Seen implements EntryStream {
        private final EntryStream entries;
        private final Set<Point> present = EnumSet.noneOf(Point.class);

        Seen(EntryStream entries) {
            this.entries = entries;
        }

        @Override
        public Entry next() throws IOException {
            Entry e = entries.next();
            if (e != null) {
                Point p = Point.of(e.path());
                if (p != null) {
                    present.add(p);
                }
            }
            return e;
        }

        /** The mount points the tree had; complete once the stream has ended. */
        Set<Point> present() {
            return EnumSet.copyOf(present);
        }

        @Override
        public void close() throws IOException {
            entries.close();
        }
    }

    /**
     * A tree read back from a disk written with {@code present}: an empty directory at a mount
     * point not in {@code present} is left out. Its entry is held back until the end of the
     * stream, or until something below it shows that it is not empty; then it is given first.
     */
    static EntryStream cleaned(EntryStream entries, Set<Point> present) {
        Set<Point> absent = EnumSet.complementOf(present.isEmpty() ? EnumSet.noneOf(Point.class)
                : EnumSet.copyOf(present));
        if (absent.isEmpty()) {
            return entries;
        }
        return new EntryStream() {
            private final Map<Point, Entry> held = new HashMap<>();
            private final Set<Point> used = EnumSet.noneOf(Point.class);
            private final Deque<Entry> queue = new ArrayDeque<>();

            @Override
            public Entry next() throws IOException {
                if (!queue.isEmpty()) {
                    return queue.poll();
                }
                while (true) {
                    Entry e = entries.next();
                    if (e == null) {
                        return null;   // whatever is still held was an empty mount point of Kiln's
                    }
                    Point p = Point.of(e.path());
                    if (p == null || !absent.contains(p)) {
                        return e;
                    }
                    if (p.is(e.path()) && e.type() == EntryType.DIRECTORY && !used.contains(p)) {
                        held.put(p, e);
                        continue;
                    }
                    used.add(p);
                    Entry dir = held.remove(p);
                    if (dir == null) {
                        return e;
                    }
                    queue.add(e);
                    return dir;
                }
            }

            @Override
            public void close() throws IOException {
                entries.close();
            }
        };
    }
}
