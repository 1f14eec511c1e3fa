package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.image.Layer;
import dev.kiln.tar.TarReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One layer's hard links: which inode each link name means, under which names the output has
 * each linked inode, and the visible links whose inode the stream cannot name because every
 * earlier name of it is hidden by a higher layer (the classic case: {@code rm} of a hard link's
 * first name in an upper layer while another name stays).
 *
 * <p>An inode of the layer is known by the index of its content entry (any non-directory other
 * than a hard link). The inode a link means is the last content entry at its origin path (the
 * target, or the target's own origin when the target is a link name) before the first link of
 * its chain: a later entry at that path is another inode, as in an extraction.
 *
 * <p>A link whose inode is nowhere in the output gets the inode's content under its own name,
 * which means reading the content entry again: the main pass is past it. Such links are held
 * back, and when the layer has been read to its end, one more pass over it emits each needed
 * inode once, under the first of its held-back names, then the other names as hard links to it.
 * One extra pass per layer, however many such links it has; a layer without them is read once.
 * A held-back link that a later entry of its own layer replaces (the path itself, or a parent
 * replaced by a non-directory) is dropped.
 */
final class HardLinks {
    /**
     * The inode a link means: the last content entry at {@code path} with an index below
     * {@code bound}; {@code id} is that entry's index when it is known (it showed), else 0.
     */
    record Origin(byte[] path, int bound, int id) {
    }

    /** A held-back link name. */
    private static final class Link {
        final byte[] path;
        final byte[] target;
        final Origin origin;
        boolean dropped;

        Link(byte[] path, byte[] target, Origin origin) {
            this.path = path;
            this.target = target;
            this.origin = origin;
        }
    }

    /** A link name emitted for an inode; it still holds the inode while its node says so. */
    private record Name(byte[] path, PathTrie.Node node) {
    }

    /** This layer's hard link names -> the inode each means. */
    private final Map<ByteBuffer, Origin> origins = new HashMap<>();
    /** Inode -> the link names emitted for it in this layer. */
    private final Map<Integer, List<Name>> names = new HashMap<>();
    private final Map<PathTrie.Node, Link> held = new IdentityHashMap<>();
    private final List<Link> order = new ArrayList<>();

    void startLayer() {
        origins.clear();
        names.clear();
        held.clear();
        order.clear();
    }

    /**
     * Notes any entry of the layer at its index (from 1), visible or not; for a hard link,
     * {@code targetId} is the inode the output has at its target from this layer, or 0.
     */
    void seen(Entry e, int index, int targetId) {
        if (e.type() == EntryType.HARDLINK) {
            Origin o = origins.get(ByteBuffer.wrap(e.linkTarget()));
            origins.put(ByteBuffer.wrap(e.path()), o != null ? o : new Origin(e.linkTarget(), index, targetId));
        } else if (!origins.isEmpty()) {
            origins.remove(ByteBuffer.wrap(e.path())); // the name now holds another inode
        }
    }

    /** The inode that the hard link {@link #seen} at {@code path} means. */
    Origin origin(byte[] path) {
        return origins.get(ByteBuffer.wrap(path));
    }

    /** A link name was emitted for inode {@code id}. */
    void named(int id, byte[] path, PathTrie.Node node) {
        names.computeIfAbsent(id, x -> new ArrayList<>()).add(new Name(path, node));
    }

    /** A link name of layer {@code k} that still holds inode {@code id} in the output, or null. */
    byte[] nameOf(int id, int k) {
        for (Name n : names.getOrDefault(id, List.of())) {
            if (n.node.emittedIn(k) == id) {
                return n.path;
            }
        }
        return null;
    }

    /** Holds back the link {@code e} at {@code node}, to be emitted after the layer. */
    void hold(Entry e, PathTrie.Node node, Origin origin) {
        Link l = new Link(e.path(), e.linkTarget(), origin);
        Link old = held.put(node, l);
        if (old != null) {
            old.dropped = true;
        }
        order.add(l);
    }

    /** A later entry of the layer replaces whatever was held back at {@code node}. */
    void drop(PathTrie.Node node) {
        if (!held.isEmpty()) {
            Link l = held.remove(node);
            if (l != null) {
                l.dropped = true;
            }
        }
    }

    /**
     * The entries that give the held-back links their inodes, read from the layer once more, or
     * null when there are none. Their contents stream from the re-read.
     */
    EntryStream emit(Layer layer) throws IOException {
        List<Link> links = order.stream().filter(l -> !l.dropped).toList();
        startLayer();
        return links.isEmpty() ? null : new Pass(layer, links);
    }

    /** The extra pass: holders while re-reading, then the other names as hard links to them. */
    private static final class Pass implements EntryStream {
        private final Layer layer;
        private final Map<ByteBuffer, Inodes> byOrigin = new HashMap<>();
        private final int end;
        private final EntryStream scan;
        private final Deque<Entry> names = new ArrayDeque<>();
        private int index;
        private boolean scanned;

        Pass(Layer layer, List<Link> links) throws IOException {
            this.layer = layer;
            int last = 0;
            for (Link l : links) {
                byOrigin.computeIfAbsent(ByteBuffer.wrap(l.origin.path()), x -> new Inodes()).links.add(l);
                last = Math.max(last, l.origin.bound());
            }
            for (Inodes i : byOrigin.values()) {
                i.links.sort(Comparator.comparingInt(l -> l.origin.bound())); // stable: appearance order within a bound
            }
            this.end = last;
            this.scan = layer.entries();
        }

        @Override
        public Entry next() throws IOException {
            while (!scanned) {
                Entry x = index + 1 < end ? scan.next() : null;
                if (x == null) {
                    scanned = true;
                    scan.close();
                    for (Inodes i : byOrigin.values()) {
                        i.assignUpTo(Integer.MAX_VALUE);
                    }
                    break;
                }
                index++;
                Inodes inodes = byOrigin.get(ByteBuffer.wrap(x.path()));
                if (inodes == null) {
                    continue;
                }
                inodes.assignUpTo(index);
                if (x.type() == EntryType.DIRECTORY || x.type() == EntryType.HARDLINK) {
                    inodes.holder = null; // no content entry in place at the origin path now
                    continue;
                }
                if (inodes.next < inodes.links.size()) {
                    // The first link still waiting takes this inode. Should another content
                    // entry at the origin path come before that link, it takes its place.
                    Link holder = inodes.links.get(inodes.next);
                    inodes.holder = holder;
                    return x.withPath(holder.path);
                }
            }
            return names.poll();
        }

        /** The held-back links naming one origin path, in order of their bounds. */
        private final class Inodes {
            final List<Link> links = new ArrayList<>();
            /** The first link not yet given its inode. */
            int next;
            /** The link that holds the content entry last seen at the origin path, if any. */
            Link holder;

            /** Gives the links bounded at or below {@code index} the inode now held. */
            void assignUpTo(int index) {
                while (next < links.size() && links.get(next).origin.bound() <= index) {
                    Link l = links.get(next++);
                    if (holder == null) {
                        throw new KilnException(layer.digest() + ": " + show(l.path) + ": hard link to "
                                + show(l.target) + ", which is not a file earlier in the same layer");
                    }
                    if (l != holder) {
                        names.add(new Entry(l.path, EntryType.HARDLINK, 0, 0, 0, 0, 0, Map.of(), holder.path,
                                0, 0, 0, null));
                    }
                }
            }
        }

        @Override
        public void close() throws IOException {
            scan.close();
        }
    }

    static String show(byte[] path) {
        return new String(path, StandardCharsets.UTF_8);
    }
}
