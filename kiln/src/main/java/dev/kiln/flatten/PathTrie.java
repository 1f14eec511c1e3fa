package dev.kiln.flatten;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the layers above the current one decided about each path, keyed by name components.
 * Holds metadata only (a few ints per path seen), never content.
 *
 * <p>Every decision carries the ordinal of the layer that made it (0 = newest). A decision made
 * by layer {@code j} applies to layer {@code k} only when {@code j < k}: whiteouts and opaque
 * markers never act on their own layer, and a later duplicate in the same layer still replaces
 * the earlier one. A few facts only matter while their own layer is being read (what the
 * layer's latest entry at a path was, whether it emitted anything below); they are tagged with
 * that layer and read as unset by any other.
 */
final class PathTrie {
    static final int NEVER = Integer.MAX_VALUE;
    static final byte NONE = 0;
    static final byte DIR = 1;
    static final byte NON_DIR = 2;

    /** The layer's latest entry at this path is a non-directory. */
    private static final byte NON_DIR_HERE = 1;
    /** The layer emitted a directory entry at this path (its metadata is in the output). */
    private static final byte DIR_HERE = 2;
    /** The layer emitted an entry strictly below this path. */
    private static final byte EMITTED_BELOW = 4;
    /**
     * The layer noted something strictly below this path that is not in the output (yet): a
     * parent it needs, emitted at the end, or an entry that does not show.
     */
    private static final byte NOTED_BELOW = 8;

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
        /** Newest layer below which nothing at or under this path shows: a whiteout or a non-directory. */
        int deletedAt = NEVER;
        int opaqueAt = NEVER;

        /** The layer that {@link #flags} and {@link #emitted} describe. */
        private int layer = NEVER;
        private byte flags;
        /**
         * The inode of that layer now in the output at this path: the index (from 1) of its
         * content entry; 0 when there is none (or a directory).
         */
        private int emitted;

        Node(byte[] name, int hash) {
            this.name = name;
            this.hash = hash;
        }

        private void at(int k) {
            if (layer != k) {
                layer = k;
                flags = 0;
                emitted = 0;
            }
        }

        /** Whether layer {@code k} did anything at or below this path. */
        boolean hasStateIn(int k) {
            return layer == k;
        }

        boolean nonDirIn(int k) {
            return layer == k && (flags & NON_DIR_HERE) != 0;
        }

        boolean dirEmittedIn(int k) {
            return layer == k && (flags & DIR_HERE) != 0;
        }

        /** Whether layer {@code k} emitted or noted anything strictly below this path. */
        boolean belowIn(int k) {
            return layer == k && (flags & (EMITTED_BELOW | NOTED_BELOW)) != 0;
        }

        boolean emittedBelowIn(int k) {
            return layer == k && (flags & EMITTED_BELOW) != 0;
        }

        /** The inode of layer {@code k} in the output at this path, or 0. */
        int emittedIn(int k) {
            return layer == k ? emitted : 0;
        }

        /**
         * Layer {@code k}'s latest entry here: a directory ({@code shown}: emitted), or a
         * non-directory, in the output as the inode {@code inode} (0: not there).
         */
        void entryIn(int k, boolean dir, boolean shown, int inode) {
            at(k);
            if (dir) {
                flags = (byte) ((flags & ~NON_DIR_HERE) | (shown ? DIR_HERE : 0));
                emitted = 0;
            } else {
                flags = (byte) ((flags | NON_DIR_HERE) & ~DIR_HERE);
                emitted = inode;
            }
        }

        /** Layer {@code k} emits an entry ({@code emitted}) or notes something below this path. */
        void below(int k, boolean emitted) {
            at(k);
            flags |= emitted ? EMITTED_BELOW : NOTED_BELOW;
        }

        /** Layer {@code k} defined this path as a directory it needs, emitted at the end. */
        void implicitIn(int k) {
            at(k);
        }

        /** Forgets what layer {@code k} did here (its entries here were dropped by a replacement). */
        void forget(int k) {
            if (definedAt == k) {
                kind = NONE;
                explicit = false;
                definedAt = NEVER;
            }
            layer = NEVER;
            flags = 0;
            emitted = 0;
        }
    }

    /** Sees each node of a walk with its path ({@code path[0, length)}, valid during the call only). */
    interface Visitor {
        /** @return whether to visit the node's children */
        boolean visit(Node node, byte[] path, int length);
    }

    private final Node root = new Node(new byte[0], 0);

    PathTrie() {
        // The root always exists as a directory; a layer's "./" entry only supplies its metadata,
        // so it is defined (explicitly) by the newest layer that has one.
        root.kind = DIR;
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

    /** Visits every node below the root, parents before children. */
    void walk(Visitor visitor) {
        walkBelow(root, visitor);
    }

    /**
     * Visits every node below {@code top}, parents before children, with paths relative to
     * {@code top}. Iterative, so that no depth of path can exhaust the stack.
     */
    static void walkBelow(Node top, Visitor visitor) {
        List<Node[]> tables = new ArrayList<>();
        List<Integer> next = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        byte[] path = new byte[256];
        int length = 0;
        if (top.kids != null) {
            tables.add(top.kids);
            next.add(0);
            lengths.add(0);
        }
        while (!tables.isEmpty()) {
            int level = tables.size() - 1;
            Node[] table = tables.get(level);
            int i = next.get(level);
            while (i < table.length && table[i] == null) {
                i++;
            }
            if (i == table.length) {
                tables.remove(level);
                next.remove(level);
                lengths.remove(level);
                continue;
            }
            next.set(level, i + 1);
            Node node = table[i];
            int base = lengths.get(level);
            int needed = base + (base == 0 ? 0 : 1) + node.name.length;
            if (needed > path.length) {
                path = Arrays.copyOf(path, Math.max(needed, path.length * 2));
            }
            length = base;
            if (base > 0) {
                path[length++] = '/';
            }
            System.arraycopy(node.name, 0, path, length, node.name.length);
            length += node.name.length;
            if (visitor.visit(node, path, length) && node.kids != null) {
                tables.add(node.kids);
                next.add(0);
                lengths.add(length);
            }
        }
    }
}
