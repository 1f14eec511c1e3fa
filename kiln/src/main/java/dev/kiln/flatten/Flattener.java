package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.source.Image;
import dev.kiln.source.Layer;
import dev.kiln.tar.TarReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges an image's layers into the single tree a container runtime would show, in one pass,
 * newest layer first, emitting each visible entry as it is read: what a higher layer deleted,
 * replaced or hid is skipped without being written anywhere.
 *
 * <p>Rules (OCI image spec, "Applying changesets"), seen from the top down:
 * <ul>
 * <li>{@code D/.wh.NAME} deletes {@code D/NAME} and its subtree in lower layers;
 *     {@code D/.wh..wh..opq} hides all lower contents of {@code D}. Neither acts on its own
 *     layer, wherever it sits in the tar, and neither is emitted.</li>
 * <li>An upper non-directory hides a lower path and its subtree; an upper directory hides only
 *     the lower entry for the same path (its metadata), not the lower contents.</li>
 * <li>A parent that no layer lists is emitted at the end as 0755 root:root.</li>
 * <li>Within one layer a later entry for a path is emitted too; the writer's replace semantics
 *     make it win.</li>
 * <li>Hard links: a link whose target was emitted in the same layer is emitted as a link. When
 *     the target's own name is hidden by a higher layer while the link's name is visible (the
 *     hard case), the layer is read again up to the target to emit its content under the
 *     link's name, and later links of that inode point there.</li>
 * </ul>
 * Layers are decompressed ahead on background threads ({@link Prefetcher}).
 */
public final class Flattener implements EntryStream {
    private static final byte[] WHITEOUT = ".wh.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPAQUE = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WHITEOUT_META = ".wh..wh.".getBytes(StandardCharsets.US_ASCII);

    private final List<Layer> layers;
    private final boolean whiteouts;
    private final PathTrie trie = new PathTrie();
    private final Prefetcher prefetcher;

    /** Ordinal of the layer being read: 0 is the newest. */
    private int k = -1;
    private EntryStream reader;
    private long entryIndex;
    /** This layer's hard links: link path -> the path of the file it is another name of. */
    private Map<ByteBuffer, byte[]> linkOrigin = new HashMap<>();
    /** This layer's inodes whose first name is hidden: origin path -> the visible name that now holds it. */
    private Map<ByteBuffer, byte[]> relocated = new HashMap<>();
    /** The re-read of a layer whose content the last entry returned streams from. */
    private EntryStream slowReader;
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
        closeSlowReader();
        while (true) {
            if (trailing != null) {
                return trailing.poll();
            }
            if (reader == null) {
                if (k + 1 >= layers.size()) {
                    trailing = implicitParents();
                    continue;
                }
                k++;
                entryIndex = 0;
                linkOrigin = new HashMap<>();
                relocated = new HashMap<>();
                InputStream prefetched = prefetcher.take(k);
                reader = prefetched != null ? new TarReader(prefetched, layers.get(k).digest()) : layers.get(k).entries();
            }
            Entry e = reader.next();
            if (e == null) {
                // TarReader has read the stream to its end, which verified the blob's digest.
                reader.close();
                reader = null;
                continue;
            }
            entryIndex++;
            Entry out = process(e);
            if (out != null) {
                return out;
            }
        }
    }

    private Entry process(Entry e) throws IOException {
        byte[] path = e.path();
        checkPath(path);
        int slash = lastSlash(path);
        int nameStart = slash + 1;
        if (whiteouts && startsWith(path, nameStart, WHITEOUT)) {
            whiteout(path, slash, nameStart);
            return null;
        }
        boolean dir = e.type() == EntryType.DIRECTORY;
        if (!visible(path, dir)) {
            if (e.type() == EntryType.HARDLINK) {
                linkOrigin.put(ByteBuffer.wrap(path), origin(e.linkTarget()));
            }
            return null;
        }
        Entry out = e;
        if (e.type() == EntryType.HARDLINK) {
            out = hardLink(e);
        }
        define(path, dir);
        return out;
    }

    /** The file a link path ultimately names, following links recorded in this layer. */
    private byte[] origin(byte[] target) {
        byte[] o = linkOrigin.get(ByteBuffer.wrap(target));
        return o != null ? o : target;
    }

    private Entry hardLink(Entry e) throws IOException {
        byte[] target = e.linkTarget();
        byte[] origin = origin(target);
        linkOrigin.put(ByteBuffer.wrap(e.path()), origin);
        PathTrie.Node t = lookup(target);
        if (t != null && t.definedAt == k && t.explicit && t.kind == PathTrie.NON_DIR) {
            return e; // the target's name was emitted from this layer
        }
        byte[] holder = relocated.get(ByteBuffer.wrap(origin));
        if (holder != null) {
            return e.withLinkTarget(holder);
        }
        // The hard case: every earlier name of this inode is hidden by a higher layer.
        Entry content = reread(origin, e);
        relocated.put(ByteBuffer.wrap(origin), e.path());
        return new Entry(e.path(), EntryType.FILE, content.mode(), content.uid(), content.gid(),
                content.mtimeSeconds(), content.mtimeNanos(), content.xattrs(), null, 0, 0,
                content.size(), content.content());
    }

    /**
     * Reads the current layer again to the last FILE entry named {@code origin} before the link
     * being processed, and leaves that reader open so the entry's content can stream.
     */
    private Entry reread(byte[] origin, Entry link) throws IOException {
        Layer layer = layers.get(k);
        long last = -1;
        try (EntryStream scan = layer.entries()) {
            long i = 0;
            for (Entry x = scan.next(); x != null && ++i < entryIndex; x = scan.next()) {
                if (x.type() == EntryType.FILE && Arrays.equals(x.path(), origin)) {
                    last = i;
                }
            }
        }
        if (last < 0) {
            throw new KilnException(layer.digest() + ": " + link.pathString() + ": hard link to "
                    + new String(link.linkTarget(), StandardCharsets.UTF_8)
                    + ", which is not a file earlier in the same layer");
        }
        slowReader = layer.entries();
        Entry x = null;
        for (long i = 0; i < last; i++) {
            x = slowReader.next();
        }
        return x;
    }

    private void closeSlowReader() throws IOException {
        if (slowReader != null) {
            EntryStream r = slowReader;
            slowReader = null;
            r.close();
        }
    }

    private void whiteout(byte[] path, int slash, int nameStart) {
        PathTrie.Node parent = walk(path, slash < 0 ? 0 : slash, true);
        if (startsWith(path, nameStart, OPAQUE) && path.length - nameStart == OPAQUE.length) {
            parent.opaqueAt = Math.min(parent.opaqueAt, k);
            // The marker says the directory exists in this layer even if the layer lists no entry for it.
            byte[] dir = Arrays.copyOf(path, Math.max(slash, 0));
            if (visible(dir, true)) {
                implicitDir(defineParents(dir, dir.length));
            }
            return;
        }
        if (startsWith(path, nameStart, WHITEOUT_META) || path.length - nameStart == WHITEOUT.length) {
            return; // other AUFS metadata (.wh..wh.plnk, .wh..wh.aufs): not part of the tree
        }
        PathTrie.Node victim = PathTrie.childOrCreate(parent, path, nameStart + WHITEOUT.length, path.length);
        victim.deletedAt = Math.min(victim.deletedAt, k);
    }

    /**
     * Whether an entry of the current layer for {@code path} is part of the final tree, given
     * what the layers above decided.
     */
    private boolean visible(byte[] path, boolean dir) {
        PathTrie.Node node = trieRoot();
        int from = 0;
        while (from < path.length) {
            // node is a proper ancestor of path here
            if (hides(node)) {
                return false;
            }
            int to = indexOf(path, from);
            node = PathTrie.child(node, path, from, to);
            if (node == null) {
                return true; // nothing above said anything about this subtree
            }
            from = to + 1;
        }
        if (node.deletedAt < k) {
            return false;
        }
        if (node.definedAt < k) {
            // Only a parent that no upper layer listed takes a lower directory's metadata.
            return node.kind == PathTrie.DIR && !node.explicit && dir;
        }
        return true;
    }

    /** A proper ancestor hides lower content when deleted, opaque or a non-directory above. */
    private boolean hides(PathTrie.Node ancestor) {
        return ancestor.deletedAt < k || ancestor.opaqueAt < k
                || (ancestor.kind == PathTrie.NON_DIR && ancestor.definedAt < k);
    }

    /** Records an emitted entry and the parents it needs. */
    private void define(byte[] path, boolean dir) {
        PathTrie.Node node = defineParents(path, path.length);
        // An implicit parent keeps the ordinal of the layer that needed it, so that only
        // layers below that one are hidden by it.
        node.definedAt = Math.min(node.definedAt, k);
        node.kind = dir ? PathTrie.DIR : PathTrie.NON_DIR;
        node.explicit = true;
    }

    /**
     * Makes every path strictly above {@code path[0, end)} that is still undefined a directory
     * this layer needs; returns the node of {@code path[0, end)}.
     */
    private PathTrie.Node defineParents(byte[] path, int end) {
        PathTrie.Node node = trieRoot();
        int from = 0;
        while (from < end) {
            implicitDir(node);
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

    private PathTrie.Node trieRoot() {
        return trie.root();
    }

    private PathTrie.Node lookup(byte[] path) {
        return walk(path, path.length, false);
    }

    /** The node for {@code path[0, end)}, created on the way when {@code create}. */
    private PathTrie.Node walk(byte[] path, int end, boolean create) {
        PathTrie.Node node = trieRoot();
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
        trie.walk((path, node) -> {
            if (node.kind == PathTrie.DIR && !node.explicit) {
                out.add(Entry.directory(path, 0755, 0, 0, 0));
            }
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
            closeSlowReader();
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
    }
}
