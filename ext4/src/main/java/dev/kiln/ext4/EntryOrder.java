package dev.kiln.ext4;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The order in which the reader emits a tree: chosen so that an image written by
 * {@link Ext4Writer}, read, and written again with the same options comes out byte for byte
 * the same. The writer numbers inodes and places file data in the order entries arrive, and
 * derives the UUID and hash seed from the sequence of calls, so the reader must give the
 * entries back in the order they were given:
 * <ol>
 *   <li>The root first, then every inode under its first name, in increasing inode number:
 *       the writer's arrival order. An entry whose directory comes later (possible in images
 *       the kernel changed, never in the writer's) waits and follows right after that
 *       directory.</li>
 *   <li>A file's first name is the first in a depth-first walk with names in byte order; its
 *       other names are hard links. Each link comes right after the last entry that precedes
 *       it in that walk, as a sorted tree walk (GNU tar --sort=name, {@code dir:}) gives it.</li>
 * </ol>
 * Both rules depend only on the tree and on inode numbers, and reading an image the writer made
 * from this order gives this order again, so a second round trip is always the identity.
 */
final class EntryOrder {
    /** The root directory in {@link #sequence()}, which holds name indices otherwise. */
    static final int ROOT = -1;

    private final Namespace ns;
    private final int skipped;
    private final boolean[] isLink;
    private final int[] firstName;
    private int[] sequence;

    /** @param skipped a name to leave out (an empty lost+found), or -1 */
    EntryOrder(Namespace ns, int skipped) {
        this.ns = ns;
        this.skipped = skipped;
        this.isLink = new boolean[ns.names()];
        this.firstName = new int[ns.names()];
        compute();
    }

    /** {@link #ROOT}, then name indices, in emission order. */
    int[] sequence() {
        return sequence;
    }

    boolean isLink(int name) {
        return isLink[name];
    }

    /** For a link, the name that carries its inode; for any other name, itself. */
    int firstName(int name) {
        return firstName[name];
    }

    private void compute() {
        int[] walk = depthFirst();
        int n = walk.length;
        long[] byInode = new long[n];
        for (int rank = 0; rank < n; rank++) {
            byInode[rank] = ns.inodeOf(walk[rank]) << 31 | rank; // inode < 2^32, rank < 2^31
        }
        Arrays.sort(byInode);
        List<Integer> firsts = new ArrayList<>();
        long previousInode = -1;
        int first = -1;
        for (long key : byInode) {
            int name = walk[(int) (key & 0x7FFFFFFF)];
            long inode = key >>> 31;
            if (inode != previousInode) {
                first = name;
                firsts.add(name);
                previousInode = inode;
            } else {
                isLink[name] = true;
            }
            firstName[name] = first;
        }
        int[] position = new int[ns.names()];
        int[] firstsInOrder = placeAfterParents(firsts, position);
        // Walk order again: each link goes after the latest-placed entry the walk met before it.
        int[] links = new int[n - firsts.size()];
        int[] anchor = new int[links.length];
        int linkCount = 0;
        int latest = 0;
        for (int name : walk) {
            if (isLink[name]) {
                links[linkCount] = name;
                anchor[linkCount++] = latest;
            } else {
                latest = Math.max(latest, position[name]);
            }
        }
        sequence = new int[1 + n];
        int out = 0;
        int nextLink = 0;
        for (int p = 0; p < firstsInOrder.length; p++) {
            sequence[out++] = firstsInOrder[p];
            while (nextLink < linkCount && anchor[nextLink] == p) {
                sequence[out++] = links[nextLink++];
            }
        }
    }

    /**
     * The depth-first walk (a directory before its children, siblings in unsigned byte order of
     * their names), without the skipped name.
     */
    private int[] depthFirst() {
        int[] sorted = new int[ns.names()];
        for (int d = 0; d < ns.dirs(); d++) {
            int from = ns.firstChild(d);
            Integer[] kids = new Integer[ns.childCount(d)];
            for (int i = 0; i < kids.length; i++) {
                kids[i] = from + i;
            }
            Arrays.sort(kids, (a, b) -> Arrays.compareUnsigned(ns.nameBytes(a), ns.nameBytes(b)));
            for (int i = 0; i < kids.length; i++) {
                sorted[from + i] = kids[i];
            }
        }
        int[] walk = new int[ns.names() - (skipped >= 0 ? 1 : 0)];
        int count = 0;
        Deque<int[]> stack = new ArrayDeque<>(); // {directory, next child offset}
        stack.push(new int[] {Namespace.ROOT_DIR, 0});
        while (!stack.isEmpty()) {
            int[] top = stack.peek();
            if (top[1] == ns.childCount(top[0])) {
                stack.pop();
                continue;
            }
            int name = sorted[ns.firstChild(top[0]) + top[1]++];
            if (name == skipped) {
                continue;
            }
            walk[count++] = name;
            if (ns.asDir(name) >= 0) {
                stack.push(new int[] {ns.asDir(name), 0});
            }
        }
        return walk;
    }

    /**
     * First names in increasing inode order, each after its directory: one whose directory is
     * not placed yet waits, and is placed (with whatever waits for it in turn) right after it.
     * Fills {@code position} (the root is position 0) and returns {@link #ROOT} then the names.
     */
    private int[] placeAfterParents(List<Integer> firsts, int[] position) {
        int[] order = new int[1 + firsts.size()];
        order[0] = ROOT;
        int placed = 1;
        boolean[] dirPlaced = new boolean[ns.dirs()];
        dirPlaced[Namespace.ROOT_DIR] = true;
        Map<Integer, List<Integer>> waiting = new HashMap<>();
        Deque<Integer> stack = new ArrayDeque<>();
        for (int name : firsts) {
            if (!dirPlaced[ns.dirOf(name)]) {
                waiting.computeIfAbsent(ns.dirOf(name), d -> new ArrayList<>()).add(name);
                continue;
            }
            stack.push(name);
            while (!stack.isEmpty()) {
                int next = stack.pop();
                position[next] = placed;
                order[placed++] = next;
                int dir = ns.asDir(next);
                if (dir >= 0) {
                    dirPlaced[dir] = true;
                    List<Integer> kids = waiting.remove(dir);
                    for (int i = kids == null ? -1 : kids.size() - 1; i >= 0; i--) {
                        stack.push(kids.get(i));
                    }
                }
            }
        }
        if (placed != order.length) {
            throw new IllegalStateException("entries left waiting for their directory: " + waiting.keySet());
        }
        return order;
    }
}
