package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.io.ChannelSlice;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The final file tree, collected from the entry stream with the same rules the ext4 writer
 * follows, so that archive outputs (cpio, tar) hold exactly what the filesystem holds:
 * parents never given are created (0755, 0:0, {@code defaultMtime}); a later entry for a
 * path replaces the earlier one; a directory given again keeps its children; replacing a
 * directory by anything else drops its subtree; a hard link names the inode currently at
 * its target.
 *
 * <p>Archives need facts the stream gives late (a file's link count is known only at the
 * end; a parent may arrive after its children), so metadata is kept in memory and file
 * content is appended to a spool file, to be read back once per archive. Of a sparse file
 * ({@link SparseContent}) only the data regions are spooled, and it reads back as one: holes
 * cost no scratch space and no time. The spool is deleted on {@link #close()}.
 *
 * <p>Nothing here recurses over the tree ({@link #walk} keeps its own stack), so a tree
 * thousands of levels deep is fine.
 */
public final class SpooledTree implements EntrySink, Closeable {

    /** One inode; hard links share the object. */
    static final class Node {
        final EntryType type;
        int mode;
        long uid;
        long gid;
        long mtime;
        int nanos;
        Map<String, byte[]> xattrs = Map.of();
        byte[] linkTarget;
        int major;
        int minor;
        long size;
        long offset;
        /** A sparse file's data regions (its spooled bytes are theirs, back to back); null when dense. */
        List<SparseContent.Region> regions;
        /** Children by name, unsigned byte order; directories only. */
        final TreeMap<byte[], Node> children;

        Node(EntryType type) {
            this.type = type;
            this.children = type == EntryType.DIRECTORY ? new TreeMap<>(Arrays::compareUnsigned) : null;
        }

        boolean isDirectory() {
            return type == EntryType.DIRECTORY;
        }

        void setAttributes(Entry e) {
            mode = e.mode() & 07777;
            uid = e.uid();
            gid = e.gid();
            mtime = e.mtimeSeconds();
            nanos = e.mtimeNanos();
            xattrs = e.xattrs();
        }
    }

    /** Called once per name in {@link #walk}: parents before children, siblings in byte order. */
    interface Visitor {
        void visit(byte[] path, Node node) throws IOException;
    }

    private final AtomicOutput spoolFile;
    private final FileChannel spool;
    private final Node root = new Node(EntryType.DIRECTORY);
    private final long defaultMtime;
    private final byte[] copyBuffer = new byte[1 << 16];

    /** Spools into a new temporary file in {@code spoolDir} (put it beside the outputs). */
    public SpooledTree(Path spoolDir, long defaultMtime) throws IOException {
        this.spoolFile = AtomicOutput.scratch(spoolDir, ".kiln-spool-");
        this.spool = FileChannel.open(spoolFile.temporary(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.defaultMtime = defaultMtime;
        root.mode = 0755;
        root.mtime = defaultMtime;
    }

    @Override
    public void accept(Entry e) throws IOException {
        byte[] path = e.path();
        if (path.length == 0) {
            if (e.type() != EntryType.DIRECTORY) {
                throw new KilnException("/: the root must be a directory, not " + e.type());
            }
            root.setAttributes(e);
            return;
        }
        int slash = lastSlash(path);
        Node parent = directory(Arrays.copyOf(path, Math.max(slash, 0)), e);
        byte[] name = Arrays.copyOfRange(path, slash + 1, path.length);
        Node existing = parent.children.get(name);
        if (e.type() == EntryType.DIRECTORY && existing != null && existing.isDirectory()) {
            existing.setAttributes(e);
            return;
        }
        Node node;
        if (e.type() == EntryType.HARDLINK) {
            node = find(e.linkTarget());
            if (node == null) {
                throw new KilnException(e.pathString() + ": hard link to missing "
                        + new String(e.linkTarget(), StandardCharsets.UTF_8));
            }
            if (node.isDirectory()) {
                throw new KilnException(e.pathString() + ": hard link to a directory");
            }
        } else {
            node = new Node(e.type());
            node.setAttributes(e);
            node.linkTarget = e.linkTarget();
            node.major = e.devMajor();
            node.minor = e.devMinor();
            if (e.type() == EntryType.FILE) {
                spoolContent(e, node);
            } else if (e.type() == EntryType.SYMLINK) {
                node.size = e.linkTarget() == null ? 0 : e.linkTarget().length;
            }
        }
        parent.children.put(name, node);
    }

    private void spoolContent(Entry e, Node node) throws IOException {
        node.offset = spool.size();
        node.size = e.size();
        InputStream in = e.content();
        long stored = e.size();
        if (in instanceof SparseContent sparse && sparse.hasHoles()) {
            node.regions = sparse.regions();
            in = sparse.data();
            stored = sparse.dataSize();
        }
        long left = stored;
        long pos = node.offset;
        while (left > 0) {
            int n = in == null ? -1 : in.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
            if (n < 0) {
                throw new KilnException(e.pathString() + ": content ended " + left + " bytes short of its size "
                        + stored);
            }
            ByteBuffer b = ByteBuffer.wrap(copyBuffer, 0, n);
            while (b.hasRemaining()) {
                pos += spool.write(b, pos);
            }
            left -= n;
        }
    }

    /** The directory at {@code path}, creating missing ones the way the ext4 writer does. */
    private Node directory(byte[] path, Entry forError) {
        Node dir = root;
        int start = 0;
        while (start < path.length) {
            int end = indexOf(path, (byte) '/', start);
            byte[] name = Arrays.copyOfRange(path, start, end);
            Node child = dir.children.get(name);
            if (child == null) {
                child = new Node(EntryType.DIRECTORY);
                child.mode = 0755;
                child.mtime = defaultMtime;
                dir.children.put(name, child);
            } else if (!child.isDirectory()) {
                throw new KilnException(forError.pathString() + ": parent "
                        + new String(path, 0, end, StandardCharsets.UTF_8) + " is not a directory");
            }
            dir = child;
            start = end + 1;
        }
        return dir;
    }

    /** The node at {@code path} ("" is the root), or null. */
    public Node find(byte[] path) {
        Node node = root;
        int start = 0;
        while (start < path.length) {
            if (!node.isDirectory()) {
                return null;
            }
            int end = indexOf(path, (byte) '/', start);
            node = node.children.get(Arrays.copyOfRange(path, start, end));
            if (node == null) {
                return null;
            }
            start = end + 1;
        }
        return node;
    }

    Node find(String path) {
        return find(path.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Visits every name, the root first (with the empty path), depth first. Iterative: a stack
     * of the directories being walked, so depth is not limited by the thread's stack.
     */
    public void walk(Visitor visitor) throws IOException {
        record Level(byte[] path, Iterator<Map.Entry<byte[], Node>> children) {
        }
        visitor.visit(new byte[0], root);
        ArrayDeque<Level> stack = new ArrayDeque<>();
        stack.push(new Level(new byte[0], root.children.entrySet().iterator()));
        while (!stack.isEmpty()) {
            Level level = stack.peek();
            if (!level.children().hasNext()) {
                stack.pop();
                continue;
            }
            Map.Entry<byte[], Node> child = level.children().next();
            byte[] path = join(level.path(), child.getKey());
            visitor.visit(path, child.getValue());
            if (child.getValue().isDirectory()) {
                stack.push(new Level(path, child.getValue().children.entrySet().iterator()));
            }
        }
    }

    /**
     * How many names each non-directory inode has in the final tree. Counted from the tree
     * rather than kept while adding, because replacing a directory drops whole subtrees.
     */
    IdentityHashMap<Node, Integer> linkCounts() throws IOException {
        IdentityHashMap<Node, Integer> counts = new IdentityHashMap<>();
        walk((path, node) -> {
            if (!node.isDirectory()) {
                counts.merge(node, 1, Integer::sum);
            }
        });
        return counts;
    }

    /** The file's content, read back from the spool: a {@link SparseContent} when the file has holes. */
    InputStream open(Node node) {
        if (node.regions == null) {
            return new ChannelSlice(spool, node.offset, node.size, "spool file ended early");
        }
        long stored = node.regions.stream().mapToLong(SparseContent.Region::length).sum();
        return new SparseContent(node.size, node.regions,
                new ChannelSlice(spool, node.offset, stored, "spool file ended early"));
    }

    /** Adds a name; used by outputs that need one the image lacks (/init in an initramfs). */
    void addSymlink(String path, String target) throws IOException {
        accept(Entry.symlink(path.getBytes(StandardCharsets.UTF_8), target.getBytes(StandardCharsets.UTF_8),
                0, 0, defaultMtime));
    }

    /** Number of subdirectories, for a directory's link count (2 + subdirectories). */
    static int subdirectories(Node dir) {
        int n = 0;
        for (Node c : dir.children.values()) {
            if (c.isDirectory()) {
                n++;
            }
        }
        return n;
    }

    static byte[] join(byte[] parent, byte[] name) {
        if (parent.length == 0) {
            return name;
        }
        byte[] p = Arrays.copyOf(parent, parent.length + 1 + name.length);
        p[parent.length] = '/';
        System.arraycopy(name, 0, p, parent.length + 1, name.length);
        return p;
    }

    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return b.length;
    }

    @Override
    public void close() throws IOException {
        try {
            spool.close();
        } finally {
            spoolFile.close();
        }
    }
}
