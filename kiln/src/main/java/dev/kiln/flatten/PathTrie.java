package dev.kiln.flatten;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * What the layers above the current one decided about each path, keyed by name components.
 * Holds metadata only (a few ints per path seen), never content.
 *
 * <p>Every decision carries the ordinal of the layer that made it (0 = newest). A decision made
 * by layer {@code j} applies to layer {@code k} only when {@code j < k}: whiteouts and opaque
 * markers never act on their own layer, and a later duplicate in the same layer still replaces
 * the earlier one.
 */
final class PathTrie {
    static final int NEVER = Integer.MAX_VALUE;
    static final byte NONE = 0;
    static final byte DIR = 1;
    static final byte NON_DIR = 2;

    static final class Node {
        final byte[] name;
        final int hash;
        Node[] kids;
        int kidCount;
        /** DIR or NON_DIR once a layer has defined the path (explicitly, or as a needed parent). */
        byte kind = NONE;
        /** Whether an entry for this path was emitted (false for parents no layer listed yet). */
        boolean explicit;
        int definedAt = NEVER;
        int deletedAt = NEVER;
        int opaqueAt = NEVER;

        Node(byte[] name, int hash) {
            this.name = name;
            this.hash = hash;
        }
    }

    private final Node root = new Node(new byte[0], 0);

    PathTrie() {
        // The root always exists as a directory; a layer's "./" entry only supplies its metadata.
        root.kind = DIR;
        root.definedAt = -1;
    }

    Node root() {
        return root;
    }

    static int hash(byte[] b, int from, int to) {
        int h = 1;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        return h;
    }

    /** The child named {@code path[from, to)}, or null. */
    static Node child(Node parent, byte[] path, int from, int to) {
        Node[] kids = parent.kids;
        if (kids == null) {
            return null;
        }
        int h = hash(path, from, to);
        int mask = kids.length - 1;
        for (int i = spread(h) & mask; ; i = (i + 1) & mask) {
            Node k = kids[i];
            if (k == null) {
                return null;
            }
            if (k.hash == h && Arrays.equals(k.name, 0, k.name.length, path, from, to)) {
                return k;
            }
        }
    }

    static Node childOrCreate(Node parent, byte[] path, int from, int to) {
        Node found = child(parent, path, from, to);
        if (found != null) {
            return found;
        }
        Node n = new Node(Arrays.copyOfRange(path, from, to), hash(path, from, to));
        if (parent.kids == null) {
            parent.kids = new Node[4];
        } else if ((parent.kidCount + 1) * 4 > parent.kids.length * 3) {
            Node[] old = parent.kids;
            parent.kids = new Node[old.length * 2];
            for (Node o : old) {
                if (o != null) {
                    insert(parent.kids, o);
                }
            }
        }
        insert(parent.kids, n);
        parent.kidCount++;
        return n;
    }

    private static void insert(Node[] table, Node n) {
        int mask = table.length - 1;
        int i = spread(n.hash) & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = n;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** Visits every node below the root, parents before children, with its full path. */
    void walk(BiConsumer<byte[], Node> visitor) {
        walk(root, new byte[0], visitor);
    }

    private static void walk(Node node, byte[] path, BiConsumer<byte[], Node> visitor) {
        if (node.kids == null) {
            return;
        }
        for (Node k : node.kids) {
            if (k == null) {
                continue;
            }
            byte[] childPath;
            if (path.length == 0) {
                childPath = k.name;
            } else {
                childPath = Arrays.copyOf(path, path.length + 1 + k.name.length);
                childPath[path.length] = '/';
                System.arraycopy(k.name, 0, childPath, path.length + 1, k.name.length);
            }
            visitor.accept(childPath, k);
            walk(k, childPath, visitor);
        }
    }
}
