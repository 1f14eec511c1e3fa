package dev.kiln.steps;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.io.HashingInputStream;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * A digest of a tree taken while its entries stream past on their way to a writer: every
 * entry's path, type, mode, owner, time, xattrs, link target, device numbers and size in stream
 * order, and each file's bytes (a sparse file's data map and data; its holes are never read).
 * The step cache's base key for a source without a manifest digest ({@code tar:}, {@code dir:},
 * {@code ext4:}): a second build from the same tree gets the same digest.
 *
 * <p>Bytes the consumer leaves unread are read here before the stream moves on, so the digest
 * always covers whole files.
 */
final class TreeDigest implements EntryStream {
    private final EntryStream entries;
    private final KeyDigest tree = new KeyDigest("tree");
    private HashingInputStream open;
    private String result;

    TreeDigest(EntryStream entries) {
        this.entries = entries;
    }

    @Override
    public Entry next() throws IOException {
        finishOpen();
        Entry e = entries.next();
        if (e == null) {
            if (result == null) {
                result = "tree:sha256:" + tree.hex();
            }
            return null;
        }
        tree.bytes(e.path()).text(e.type().name()).number(e.mode()).number(e.uid()).number(e.gid())
                .number(e.mtimeSeconds()).number(e.mtimeNanos()).bytes(e.linkTarget()).number(e.devMajor())
                .number(e.devMinor()).number(e.size());
        Map<String, byte[]> xattrs = new TreeMap<>(e.xattrs());
        tree.number(xattrs.size());
        xattrs.forEach((name, value) -> tree.text(name).bytes(value));
        if (e.type() != EntryType.FILE || e.content() == null) {
            return e;
        }
        if (e.content() instanceof SparseContent sparse) {
            tree.number(sparse.regions().size());
            for (SparseContent.Region r : sparse.regions()) {
                tree.number(r.offset()).number(r.length());
            }
            open = new HashingInputStream(sparse.data());
            return e.withContent(e.size(), new SparseContent(sparse.size(), sparse.regions(), open));
        }
        open = new HashingInputStream(e.content());
        return e.withContent(e.size(), open);
    }

    /** The digest; only once the stream has ended. */
    String digest() {
        if (result == null) {
            throw new IllegalStateException("the tree has not been read to its end");
        }
        return result;
    }

    private void finishOpen() throws IOException {
        if (open == null) {
            return;
        }
        HashingInputStream h = open;
        open = null;
        tree.text(h.finish());
    }

    @Override
    public void close() throws IOException {
        entries.close();
    }
}
