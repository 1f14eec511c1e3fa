package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.tar.TarReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Merges an image's layers into the single tree a container runtime would show, in one pass,
 * newest layer first, emitting each visible entry as it is read: what a higher layer deleted,
 * replaced or hid is skipped without being written anywhere.
 *
 * <p>Rules (OCI image spec, "Applying changesets", read as the extraction of the layers bottom
 * up), seen from the top down:
 * <ul>
 * <li>{@code D/.wh.NAME} deletes {@code D/NAME} and its subtree in lower layers;
 *     {@code D/.wh..wh..opq} hides all lower contents of {@code D} and makes {@code D} a
 *     directory of its layer even when the layer lists no entry for it. Neither acts on its own
 *     layer, wherever it sits in the tar, and neither is emitted. A plain whiteout does not
 *     make its parent a directory; a marker below a non-directory of its own layer is ignored.
 *     Other {@code .wh..wh.} names (AUFS metadata) are dropped.</li>
 * <li>A non-directory at a path, whether it shows or not, hides everything lower layers have
 *     at and below that path, whatever higher layers put there later (a directory over a file
 *     over a directory does not bring the lowest one's contents back).</li>
 * <li>An upper directory hides only the lower entry for the same path (its metadata), not the
 *     lower contents.</li>
 * <li>A parent that an entry needs and its layer does not list is a directory of that layer,
 *     also when the entry itself does not show. It hides a lower non-directory at its path (the
 *     runtime view: an upper {@code lnk/new} over a lower symlink {@code lnk} makes {@code lnk} a
 *     directory, as overlayfs shows it; the link is not followed). It takes the metadata of a
 *     lower directory at its path; when no layer gives one, it is emitted at the end as 0755
 *     root:root. The root takes the metadata of the newest layer with a {@code ./} entry.</li>
 * <li>Within one layer entries apply in order and a later entry for a path is emitted too: the
 *     writer's replace semantics make it win (a directory over a directory keeps its children;
 *     anything else drops what was there). An entry below a path that its own layer made a
 *     non-directory is an error, as it is for tar and umoci.</li>
 * <li>A hard link means the inode at its target at that point of its own layer. It is emitted as
 *     a link to a name under which the output has that inode: its target, or another name when
 *     the target's is hidden or replaced. When the output has no name for it because every
 *     earlier name is hidden by a higher layer (the hard case), {@link HardLinks} gives the link
 *     the inode's content after one more read of the layer, one per layer however many links.
 *     A visible link to anything else (a file of a lower layer, a directory, nothing) is an
 *     error naming the layer and the link.</li>
 * <li>What one pass cannot merge is refused, never approximated: a layer that replaces a
 *     directory by a non-directory after emitting entries below it, where a higher layer has a
 *     directory at that path (the entries are written already).</li>
 * </ul>
 * Layers are decompressed ahead on background threads ({@link Prefetcher}).
 */
public final class Flattener implements EntryStream {
    private static final byte[] WHITEOUT = ".wh.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPAQUE = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WHITEOUT_META = ".wh..wh.".getBytes(StandardCharsets.US_ASCII);
    /** What {@link #find} returns for a path below one that hides it. */
    private static final PathTrie.Node HIDDEN = new PathTrie.Node(new byte[0], 0);

    private final List<Layer> layers;
    private final boolean whiteouts;
    private final PathTrie trie = new PathTrie();
    private final Prefetcher prefetcher;
    private final HardLinks hardLinks = new HardLinks();

    /** Ordinal of the layer being read: 0 is the newest. */
    private int k = -1;
    private EntryStream reader;
    /** Index (from 1) of the current entry in layer k. */
    private int entryIndex;
    /** The extra pass over the layer just read that emits its held-back hard links. */
    private EntryStream linkPass;
    private Deque<Entry> trailing;
    private boolean closed;

    private Flattener(Image image) {
        List<Layer> newestFirst = new ArrayList<>(image.layers());
        java.util.Collections.reverse(newestFirst);
        this.layers = newestFirst;
        this.whiteouts = image.hasWhiteouts();
        this.prefetcher = new Prefetcher(newestFirst);
    }

    /**
     * The merged view of the image's layers; closing it does not close the image. The newest
     * layers start decompressing at once, so the caller's own set-up overlaps with them.
     */
    public static EntryStream flatten(Image image) throws IOException {
        Flattener f = new Flattener(image);
        f.prefetcher.start();
        return f;
    }

    @Override
    public Entry next() throws IOException {
        if (closed) {
            throw new IllegalStateException("flattener is closed");
        }
        while (true) {
            if (trailing != null) {
                return trailing.poll();
            }
            if (linkPass != null) {
                Entry e = linkPass.next();
                if (e != null) {
                    return e;
                }
                EntryStream done = linkPass;
                linkPass = null;
                done.close();
                continue;
            }
            if (reader == null) {
                if (k + 1 >= layers.size()) {
                    trailing = implicitParents();
                    continue;
                }
                k++;
                entryIndex = 0;
                hardLinks.startLayer();
                InputStream prefetched = prefetcher.take(k);
                reader = prefetched != null ? new TarReader(prefetched, layers.get(k).digest()) : layers.get(k).entries();
            }
            Entry e = reader.next();
            if (e == null) {
                // TarReader has read the stream to its end, which verified the blob's digest.
                reader.close();
                reader = null;
                linkPass = hardLinks.emit(layers.get(k));
                continue;
            }
            if (entryIndex == Integer.MAX_VALUE) {
                throw new KilnException(layers.get(k).digest() + ": more than " + Integer.MAX_VALUE + " entries");
            }
            entryIndex++;
            Entry out = process(e);
            if (out != null) {
                return out;
            }
        }
    }

    private Entry process(Entry e) {
        byte[] path = e.path();
        checkPath(path);
        int slash = lastSlash(path);
        int nameStart = slash + 1;
        if (whiteouts && startsWith(path, nameStart, WHITEOUT)) {
            whiteout(path, slash, nameStart);
            return null;
        }
        boolean dir = e.type() == EntryType.DIRECTORY;
        hardLinks.seen(e, entryIndex, e.type() == EntryType.HARDLINK ? inodeAt(e.linkTarget()) : 0);
        PathTrie.Node node = find(path, true);
        if (node == HIDDEN) {
            needParents(path);
            return null;
        }
        if (node != null && !visible(node, dir)) {
            needParents(path);
            hidden(node, path, dir);
            return null;
        }
        if (e.type() == EntryType.HARDLINK) {
            return hardLink(e, node);
        }
        node = define(path, dir);
        node.entryIn(k, dir, true, entryIndex);
        return e;
    }

    /**
     * Emits a visible hard link as a link when the inode it names is in the output under a name
     * from this layer, or holds it back for {@link HardLinks}. The name is found before the
     * link replaces anything (a link may replace a directory holding its own target: the writers
     * resolve the target first too). A held-back link that replaces something this layer emitted
     * leaves an empty file in its place at once, so the replacement happens where the tar has it
     * (the link itself, or a later entry at the path, replaces that file).
     */
    private Entry hardLink(Entry e, PathTrie.Node node) {
        HardLinks.Origin origin = hardLinks.origin(e.path());
        PathTrie.Node target = lookup(e.linkTarget());
        int id = target != null ? target.emittedIn(k) : 0;
        byte[] name = id != 0 ? e.linkTarget() : null;   // the output has the target's current inode
        if (name == null && origin.id() != 0) {
            id = origin.id();
            name = nameOf(origin);                        // the target's name is hidden, another shows
        }
        boolean occupied = node != null
                && (node.emittedIn(k) != 0 || node.dirEmittedIn(k) || node.emittedBelowIn(k));
        boolean same = name != null && Arrays.equals(name, e.path());
        node = define(e.path(), false);
        if (same) {
            return null; // another name of the inode already in the output at this very path
        }
        if (name != null) {
            node.entryIn(k, false, true, id);
            hardLinks.named(id, e.path(), node);
            return e.withLinkTarget(name);
        }
        node.entryIn(k, false, true, 0);
        hardLinks.hold(e, node, origin);
        return occupied ? new Entry(e.path(), EntryType.FILE, 0, e.uid(), e.gid(), e.mtimeSeconds(),
                e.mtimeNanos(), Map.of(), null, 0, 0, 0, InputStream.nullInputStream()) : null;
    }

    /** The inode that the output has at {@code path} from this layer, or 0. */
    private int inodeAt(byte[] path) {
        PathTrie.Node node = lookup(path);
        return node != null ? node.emittedIn(k) : 0;
    }

    /** A name under which the output has the inode {@code origin} means, or null. */
    private byte[] nameOf(HardLinks.Origin origin) {
        return inodeAt(origin.path()) == origin.id() ? origin.path() : hardLinks.nameOf(origin.id(), k);
    }

    private void whiteout(byte[] path, int slash, int nameStart) {
        PathTrie.Node parent = walk(path, slash < 0 ? 0 : slash, true);
        if (startsWith(path, nameStart, OPAQUE) && path.length - nameStart == OPAQUE.length) {
            parent.opaqueAt = Math.min(parent.opaqueAt, k);
            // The marker says its directory exists in this layer even if the layer lists no entry
            // for it: the directory and its parents are this layer's, as far as they show.
            needParents(path);
            return;
        }
        if (startsWith(path, nameStart, WHITEOUT_META) || path.length - nameStart == WHITEOUT.length) {
            return; // other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the tree
        }
        PathTrie.Node victim = PathTrie.childOrCreate(parent, path, nameStart + WHITEOUT.length, path.length);
        victim.deletedAt = Math.min(victim.deletedAt, k);
    }

    /**
     * The node of {@code path} when the layers above leave it to the current layer to decide,
     * {@link #HIDDEN} when a proper ancestor hides it, or null when nothing was decided about
     * it (it shows). Below a path that this layer made a non-directory, an entry is an error
     * ({@code strict}) or ignored like a hidden one (an opaque marker).
     */
    private PathTrie.Node find(byte[] path, boolean strict) {
        PathTrie.Node node = trie.root();
        int from = 0;
        while (from < path.length) {
            // node is a proper ancestor of path here
            if (hides(node)) {
                return HIDDEN;
            }
            if (node.nonDirIn(k)) {
                if (!strict) {
                    return HIDDEN;
                }
                throw new KilnException(layers.get(k).digest() + ": " + HardLinks.show(path) + ": parent "
                        + new String(path, 0, from - 1, StandardCharsets.UTF_8)
                        + " is not a directory (an earlier entry of the same layer)");
            }
            int to = indexOf(path, from);
            node = PathTrie.child(node, path, from, to);
            if (node == null) {
                return null; // nothing above said anything about this subtree
            }
            from = to + 1;
        }
        return node;
    }

    /** Whether an entry of the current layer at {@code node}, whose ancestors show, is part of the final tree. */
    private boolean visible(PathTrie.Node node, boolean dir) {
        if (node.deletedAt < k) {
            return false;
        }
        if (node.definedAt < k) {
            // Only a parent that no upper layer listed takes a lower directory's metadata (and
            // the last of that layer's entries for it wins, as anywhere in a layer).
            return node.kind == PathTrie.DIR && dir && (!node.explicit || node.dirEmittedIn(k));
        }
        return true;
    }

    /** A proper ancestor hides lower content when deleted (or a non-directory) or opaque above. */
    private boolean hides(PathTrie.Node ancestor) {
        return ancestor.deletedAt < k || ancestor.opaqueAt < k;
    }

    /** Records what a hidden entry of this layer still decides for the layers below it. */
    private void hidden(PathTrie.Node node, byte[] path, boolean dir) {
        noteBelow(path);
        if (dir) {
            node.entryIn(k, true, false, 0);
            return;
        }
        // Extracted bottom up, this non-directory would remove what lower layers have at and below the path.
        node.deletedAt = Math.min(node.deletedAt, k);
        if (node.emittedBelowIn(k)) {
            throw new KilnException(layers.get(k).digest() + ": " + HardLinks.show(path)
                    + ": replaced by a non-directory after entries below it in the same layer, under a"
                    + " directory of a higher layer; Kiln cannot merge this in one pass");
        }
        if (node.belowIn(k)) {
            forgetBelow(node); // what this layer noted below the path, none of it emitted
        }
        if (node.dirEmittedIn(k)) {
            // This layer's directory here gave the metadata of a parent a higher layer needed; now the
            // path is the higher layer's own parent again, emitted with the others at the end.
            node.explicit = false;
        }
        node.entryIn(k, false, false, 0);
    }

    /**
     * An entry of this layer that does not show still needs its parents, as far as they show:
     * extracted bottom up, the layer creates them before a higher layer deletes the entry. (Not
     * below a non-directory of this layer, which a whiteout or opaque marker may sit under.)
     */
    private void needParents(byte[] path) {
        PathTrie.Node node = trie.root();
        int from = 0;
        int end = 0;
        boolean undefined = false;
        while (!hides(node)) {
            int to = indexOf(path, from);
            if (to == path.length) {
                break; // the entry's own name
            }
            node = PathTrie.child(node, path, from, to);
            if (node == null || node.deletedAt < k || node.nonDirIn(k)) {
                break;
            }
            undefined |= node.kind == PathTrie.NONE;
            end = to;
            from = to + 1;
        }
        if (undefined) {
            PathTrie.Node last = defineParents(path, end, false);
            if (last.kind == PathTrie.NONE) {
                last.implicitIn(k);
                implicitDir(last);
            }
        }
    }

    /** Notes in the parents of {@code path}, which exist, that this layer keeps facts below them. */
    private void noteBelow(byte[] path) {
        PathTrie.Node node = trie.root();
        int from = 0;
        while (true) {
            node.below(k, false);
            int to = indexOf(path, from);
            if (to == path.length) {
                return;
            }
            node = PathTrie.child(node, path, from, to);
            from = to + 1;
        }
    }

    /** Records an emitted entry and the parents it needs; returns its node. */
    private PathTrie.Node define(byte[] path, boolean dir) {
        PathTrie.Node node = defineParents(path, path.length, true);
        hardLinks.drop(node);
        if (!dir) {
            if (node.kids != null && node.belowIn(k)) {
                forgetBelow(node);
            }
            node.deletedAt = Math.min(node.deletedAt, k);
        }
        // An implicit parent keeps the ordinal of the layer that needed it, so that only
        // layers below that one are hidden by it.
        node.definedAt = Math.min(node.definedAt, k);
        node.kind = dir ? PathTrie.DIR : PathTrie.NON_DIR;
        node.explicit = true;
        return node;
    }

    /**
     * A non-directory of this layer replaces a path below which the layer emitted or noted
     * entries: in the output (a replacement the writer makes) or in the extraction, they are
     * gone, so forget them too (implicit parents, held-back links, same-layer facts).
     */
    private void forgetBelow(PathTrie.Node top) {
        PathTrie.walkBelow(top, (node, path, length) -> {
            if (!node.hasStateIn(k)) {
                return false; // nothing of this layer here, so nothing below either
            }
            boolean below = node.belowIn(k);
            hardLinks.drop(node);
            node.forget(k);
            return below;
        });
    }

    /**
     * Makes every path strictly above {@code path[0, end)} that is still undefined a directory
     * this layer needs, notes in them that this layer emits ({@code emitted}) or defines
     * something below, and returns the node of {@code path[0, end)}.
     */
    private PathTrie.Node defineParents(byte[] path, int end, boolean emitted) {
        PathTrie.Node node = trie.root();
        int from = 0;
        while (from < end) {
            if (node.kind == PathTrie.NONE) {
                node.implicitIn(k);
                implicitDir(node);
            }
            node.below(k, emitted);
            int to = Math.min(indexOf(path, from), end);
            node = PathTrie.childOrCreate(node, path, from, to);
            from = to + 1;
        }
        return node;
    }

    private void implicitDir(PathTrie.Node node) {
        if (node.kind == PathTrie.NONE) {
            node.kind = PathTrie.DIR;
            node.definedAt = k;
        }
    }

    private PathTrie.Node lookup(byte[] path) {
        return walk(path, path.length, false);
    }

    /** The node for {@code path[0, end)}, created on the way when {@code create}. */
    private PathTrie.Node walk(byte[] path, int end, boolean create) {
        PathTrie.Node node = trie.root();
        int from = 0;
        while (from < end) {
            int to = Math.min(indexOf(path, from), end);
            node = create ? PathTrie.childOrCreate(node, path, from, to) : PathTrie.child(node, path, from, to);
            if (node == null) {
                return null;
            }
            from = to + 1;
        }
        return node;
    }

    /** Directories that entries needed but no layer listed, and the root when no layer gave it. */
    private Deque<Entry> implicitParents() {
        Deque<Entry> out = new ArrayDeque<>();
        if (!trie.root().explicit) {
            out.add(Entry.directory(new byte[0], 0755, 0, 0, 0));
        }
        trie.walk((node, path, length) -> {
            if (node.kind != PathTrie.DIR) {
                return false; // nothing below a non-directory shows
            }
            if (!node.explicit) {
                out.add(Entry.directory(Arrays.copyOf(path, length), 0755, 0, 0, 0));
            }
            return true;
        });
        return out;
    }

    private static void checkPath(byte[] path) {
        int from = 0;
        while (from < path.length) {
            int to = indexOf(path, from);
            int len = to - from;
            if (len == 0 || (len == 1 && path[from] == '.') || (len == 2 && path[from] == '.' && path[from + 1] == '.')) {
                throw new IllegalStateException("entry path not normalized: " + new String(path, StandardCharsets.UTF_8));
            }
            from = to + 1;
        }
    }

    private static int indexOf(byte[] path, int from) {
        for (int i = from; i < path.length; i++) {
            if (path[i] == '/') {
                return i;
            }
        }
        return path.length;
    }

    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] path, int from, byte[] prefix) {
        return path.length - from >= prefix.length
                && Arrays.equals(path, from, from + prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        prefetcher.close();
        try {
            if (linkPass != null) {
                linkPass.close();
            }
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
    }
}
