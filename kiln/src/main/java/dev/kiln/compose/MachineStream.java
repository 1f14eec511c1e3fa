package dev.kiln.compose;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.flatten.Flattener;
import dev.kiln.guest.MachineLayout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A composed machine as one entry stream, read in one pass over its images: the root (its
 * images merged, {@link MergedRoot}), then each container in the order of {@link Machine}: its
 * directory {@code containers/KIND/NNN-NAME}, its {@code config}, and its image flattened under
 * {@code rootfs/} (the image's root entry gives {@code rootfs} itself its owner and mode).
 *
 * <p>Every container gets its own copy of its files: nothing is shared with the root or another
 * container (no hard links across them, no shared blocks), so what one container changes no
 * other sees. The root must not have {@code /containers} of its own: what it holds there would
 * show inside a container's root.
 *
 * <p>The next container's image starts decompressing when the one before it starts, so reading
 * overlaps as it does between the layers of one image; closing the stream closes no image.
 */
public final class MachineStream implements EntryStream {
    /** Opens one part of the stream. */
    private interface Part {
        EntryStream open() throws IOException;
    }

    private final Deque<Part> todo;
    private EntryStream current;
    private EntryStream next;
    private boolean closed;

    private MachineStream(List<Part> parts) {
        this.todo = new ArrayDeque<>(parts);
    }

    /**
     * The machine's entries. Every container's config is made first, so that a container with
     * nothing to run fails the build before a layer is read.
     *
     * @param mtime the time of what this stream adds (directories, configs): SOURCE_DATE_EPOCH
     */
    public static EntryStream open(Machine machine, long mtime) throws IOException {
        List<byte[]> configs = machine.containers().stream().map(c -> c.config().bytes()).toList();
        List<Part> parts = new ArrayList<>();
        if (!machine.root().isEmpty()) {
            String name = machine.root().stream().map(Machine.Part::name).collect(Collectors.joining(", "));
            parts.add(() -> new RootWithoutContainers(MergedRoot.flatten(machine.root()), name));
        }
        MachineLayout.Kind previous = null;
        for (int i = 0; i < machine.containers().size(); i++) {
            Machine.Container c = machine.containers().get(i);
            List<Entry> head = new ArrayList<>();
            if (i == 0) {
                head.add(Entry.directory(bytes(MachineLayout.CONTAINERS), 0755, 0, 0, mtime));
            }
            if (c.kind() != previous) {
                head.add(Entry.directory(bytes(MachineLayout.CONTAINERS + "/" + c.kind().dir()), 0755, 0, 0, mtime));
                previous = c.kind();
            }
            head.add(Entry.directory(bytes(c.directory()), 0755, 0, 0, mtime));
            byte[] config = configs.get(i);
            // root only: the config may hold secrets in its env (kiln-init reads it as root)
            head.add(Entry.file(bytes(c.directory() + "/config"), 0600, 0, 0, mtime, config.length,
                    new ByteArrayInputStream(config)));
            byte[] rootfs = bytes(c.directory() + "/rootfs");
            parts.add(() -> new Container(head, Flattener.flatten(c.image()), rootfs));
        }
        return new MachineStream(parts);
    }

    @Override
    public Entry next() throws IOException {
        if (closed) {
            throw new IllegalStateException("machine stream is closed");
        }
        while (true) {
            if (current == null) {
                if (next == null && todo.isEmpty()) {
                    return null;
                }
                current = next != null ? next : todo.poll().open();
                next = todo.isEmpty() ? null : todo.poll().open();
            }
            Entry e = current.next();
            if (e != null) {
                return e;
            }
            EntryStream done = current;
            current = null;
            done.close();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (EntryStream a = current; EntryStream b = next) {
            current = null;
            next = null;
        }
    }

    private static byte[] bytes(String path) {
        return path.getBytes(StandardCharsets.UTF_8);
    }

    /** The root's merged entries, refusing any under /containers (a directory there, empty, is fine). */
    private record RootWithoutContainers(EntryStream root, String name) implements EntryStream {
        private static final byte[] CONTAINERS = bytes(MachineLayout.CONTAINERS);

        @Override
        public Entry next() throws IOException {
            Entry e = root.next();
            if (e != null && startsWith(e.path(), CONTAINERS)
                    && (e.path().length > CONTAINERS.length || e.type() != EntryType.DIRECTORY)) {
                throw new KilnException(name + ": /" + e.pathString() + ": the root of a composed machine must not "
                        + "have /" + MachineLayout.CONTAINERS + ", where Kiln puts the machine's containers");
            }
            return e;
        }

        private static boolean startsWith(byte[] path, byte[] dir) {
            if (path.length < dir.length || (path.length > dir.length && path[dir.length] != '/')) {
                return false;
            }
            for (int i = 0; i < dir.length; i++) {
                if (path[i] != dir[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            root.close();
        }
    }

    /** A container's directory and config, then its image's entries under {@code rootfs}. */
    private static final class Container implements EntryStream {
        private final Deque<Entry> head;
        private final EntryStream image;
        private final byte[] rootfs;

        Container(List<Entry> head, EntryStream image, byte[] rootfs) {
            this.head = new ArrayDeque<>(head);
            this.image = image;
            this.rootfs = rootfs;
        }

        @Override
        public Entry next() throws IOException {
            if (!head.isEmpty()) {
                return head.poll();
            }
            Entry e = image.next();
            if (e == null) {
                return null;
            }
            Entry moved = e.withPath(under(e.path()));
            return e.type() == EntryType.HARDLINK ? moved.withLinkTarget(under(e.linkTarget())) : moved;
        }

        /** {@code path} of the image as a path of the machine: the image's root is {@code rootfs}. */
        private byte[] under(byte[] path) {
            if (path.length == 0) {
                return rootfs;
            }
            byte[] out = new byte[rootfs.length + 1 + path.length];
            System.arraycopy(rootfs, 0, out, 0, rootfs.length);
            out[rootfs.length] = '/';
            System.arraycopy(path, 0, out, rootfs.length + 1, path.length);
            return out;
        }

        @Override
        public void close() throws IOException {
            image.close();
        }
    }
}
