package dev.kiln.ext4;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The directory tree: which names each directory holds, and the tar-like replacement rules
 * (a later entry for a path replaces the earlier one; a directory given again keeps its children).
 */
final class Tree {
    /** A name as a map key; byte arrays compare by identity otherwise. */
    static final class Name implements Comparable<Name> {
        final byte[] bytes;
        private final int hash;

        Name(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Name n && n.hash == hash && Arrays.equals(n.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public int compareTo(Name o) {
            return Arrays.compareUnsigned(bytes, o.bytes);
        }
    }

    /** A path's parent directory (created as needed) and last component. */
    record Slot(int parent, Name name) {
    }

    private final InodeStore inodes;
    private final Attributes implicitDir;
    private final Map<Integer, Map<Name, Integer>> children = new HashMap<>();
    private final Map<Integer, Integer> parents = new HashMap<>();

    Tree(InodeStore inodes, long creationTime) {
        this.inodes = inodes;
        this.implicitDir = new Attributes(0755, 0, 0, creationTime, 0, Map.of());
        inodes.setAttributes(Geometry.ROOT_INO, InodeStore.S_IFDIR, implicitDir);
        children.put(Geometry.ROOT_INO, new HashMap<>());
        parents.put(Geometry.ROOT_INO, Geometry.ROOT_INO);
        inodes.setAttributes(Geometry.LOST_FOUND_INO, InodeStore.S_IFDIR,
                new Attributes(0700, 0, 0, creationTime, 0, Map.of()));
        children.put(Geometry.LOST_FOUND_INO, new HashMap<>());
        parents.put(Geometry.LOST_FOUND_INO, Geometry.ROOT_INO);
        children.get(Geometry.ROOT_INO).put(new Name("lost+found".getBytes(StandardCharsets.US_ASCII)),
                Geometry.LOST_FOUND_INO);
    }

    static String show(byte[] path) {
        return Namespace.show(path);
    }

    /** Splits a path into components, rejecting empty, "." and ".." ones and over-long names. */
    static List<byte[]> components(byte[] path) throws Ext4Exception {
        List<byte[]> parts = new ArrayList<>();
        int from = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                byte[] part = Arrays.copyOfRange(path, from, i);
                if (part.length == 0 || (part.length == 1 && part[0] == '.')
                        || (part.length == 2 && part[0] == '.' && part[1] == '.')) {
                    throw new Ext4Exception(show(path) + ": invalid path component \"" + show(part) + "\"");
                }
                if (part.length > 255) {
                    throw new Ext4LimitException(show(path) + ": name longer than 255 bytes", part.length, 255);
                }
                for (byte b : part) {
                    if (b == 0) {
                        throw new Ext4Exception(show(path) + ": NUL byte in name");
                    }
                }
                parts.add(part);
                from = i + 1;
            }
        }
        return parts;
    }

    /** Resolves the parent of a non-empty path, creating missing directories on the way. */
    Slot slot(byte[] path) throws Ext4Exception {
        List<byte[]> parts = components(path);
        int dir = Geometry.ROOT_INO;
        int consumed = 0;
        for (int i = 0; i < parts.size() - 1; i++) {
            Name name = new Name(parts.get(i));
            consumed += parts.get(i).length + (i > 0 ? 1 : 0);
            Integer child = children.get(dir).get(name);
            if (child == null) {
                child = newInode(InodeStore.S_IFDIR, implicitDir);
                attach(dir, name, child);
            } else if (!inodes.isDir(child)) {
                throw new Ext4Exception(show(path) + ": parent " + show(Arrays.copyOf(path, consumed))
                        + " is not a directory");
            }
            dir = child;
        }
        return new Slot(dir, new Name(parts.get(parts.size() - 1)));
    }

    /** The inode at a path, or 0 when there is none; never creates anything. */
    int lookup(byte[] path) throws Ext4Exception {
        if (path.length == 0) {
            return Geometry.ROOT_INO;
        }
        int dir = Geometry.ROOT_INO;
        for (byte[] part : components(path)) {
            Map<Name, Integer> map = children.get(dir);
            if (map == null) {
                return 0;
            }
            Integer child = map.get(new Name(part));
            if (child == null) {
                return 0;
            }
            dir = child;
        }
        return dir;
    }

    Integer existing(Slot slot) {
        return children.get(slot.parent()).get(slot.name());
    }

    int newInode(int type, Attributes attributes) {
        int ino = inodes.allocate();
        inodes.setAttributes(ino, type, attributes);
        if (type == InodeStore.S_IFDIR) {
            children.put(ino, new HashMap<>());
        }
        return ino;
    }

    /** Links an inode under a name, replacing (and releasing) whatever was there. */
    void attach(int parent, Name name, int ino) {
        Integer old = children.get(parent).put(name, ino);
        if (old != null && old != ino) {
            release(old);
        }
        if (inodes.isDir(ino)) {
            parents.put(ino, parent);
        } else {
            inodes.links[ino]++;
        }
    }

    /**
     * Drops one name of an inode; a directory goes with its whole subtree. Iterative (a work
     * list, not recursion), so a tree thousands of levels deep cannot overflow the stack.
     */
    private void release(int ino) {
        ArrayDeque<Integer> pending = new ArrayDeque<>();
        pending.push(ino);
        while (!pending.isEmpty()) {
            int next = pending.pop();
            if (inodes.isDir(next)) {
                Map<Name, Integer> kids = children.remove(next);
                parents.remove(next);
                kids.values().forEach(pending::push);
                inodes.free(next);
            } else if (--inodes.links[next] <= 0) {
                inodes.free(next);
            }
        }
    }

    int parentOf(int dir) {
        return parents.get(dir);
    }

    Map<Name, Integer> childrenOf(int dir) {
        return children.get(dir);
    }

    /** Receives a name of an inode that has several. */
    interface LinkVisitor {
        void name(int dir, byte[] name, int ino);
    }

    /**
     * Every name of every non-directory inode with more than one, in a fixed order (directories by
     * inode number, names in byte order): the tree's hard links as they finally are, whichever
     * calls made them and in whatever order.
     */
    void forEachLinkedName(LinkVisitor visitor) {
        int[] dirs = children.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        for (int dir : dirs) {
            children.get(dir).entrySet().stream()
                    .filter(e -> !inodes.isDir(e.getValue()) && inodes.links[e.getValue()] > 1)
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> visitor.name(dir, e.getKey().bytes, e.getValue()));
        }
    }
}
