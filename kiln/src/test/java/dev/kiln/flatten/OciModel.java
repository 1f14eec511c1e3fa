package dev.kiln.flatten;

import dev.kiln.entry.EntryType;
import dev.kiln.flatten.TreeModel.Inode;
import dev.kiln.flatten.TreeModel.Refused;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The reference for flattening: the OCI image spec's "applying changesets", done the slow and
 * obvious way, as an extraction of each layer onto the tree the lower layers left:
 * <ol>
 * <li>first the layer's whiteouts act on that lower tree ({@code D/.wh.N} removes {@code D/N}
 *     and its subtree; {@code D/.wh..wh..opq} empties {@code D}); they never touch the layer's
 *     own entries, wherever they sit in its tar;</li>
 * <li>then the layer's entries apply in tar order: a directory over a directory keeps its
 *     children and takes the new metadata, anything else replaces what was at the path; a hard
 *     link is another name of the inode at its target, which must come from the same layer.</li>
 * </ol>
 * A parent an entry needs and its layer did not give is a 0755 root directory of that layer; it
 * replaces a lower layer's non-directory (the runtime view: overlayfs shows an upper directory
 * over a lower symlink) and is refused under a non-directory of the same layer. An opaque marker
 * makes its directory exist in its layer the same way, at its place in the tar.
 */
final class OciModel {
    private final TreeModel tree = new TreeModel();
    /**
     * Whether a rule applied where umoci does otherwise: a parent over a lower non-directory
     * (umoci follows a lower symlink, or fails), a directory only an opaque marker makes (umoci
     * ignores the marker), a whiteout or marker below a symlink (umoci follows it), a hard link
     * to its own path (umoci fails; GNU tar keeps the file, as Kiln does), a whiteout of a path
     * that its own layer gives entries below (umoci keeps the lower directory's metadata), an
     * entry below a lower file that a whiteout later in the tar removes (umoci applies
     * whiteouts in tar order and fails).
     */
    private boolean differsFromUmoci;
    /** This layer's directories that only an opaque marker made so far. */
    private final java.util.Set<String> markerOnly = new java.util.HashSet<>();
    /** Lower non-directories this layer's whiteouts remove -> index of the first op removing them. */
    private final java.util.Map<String, Integer> removedNonDirs = new java.util.HashMap<>();

    private OciModel() {
    }

    static TreeModel apply(List<List<Op>> bottomFirst) {
        return applied(bottomFirst).tree;
    }

    /** Whether the stack needs a rule where umoci unpack differs (see the class comment of Flattener). */
    static boolean differsFromUmoci(List<List<Op>> bottomFirst) {
        return applied(bottomFirst).differsFromUmoci;
    }

    private static OciModel applied(List<List<Op>> bottomFirst) {
        OciModel m = new OciModel();
        for (int layer = 0; layer < bottomFirst.size(); layer++) {
            m.apply(bottomFirst.get(layer), layer);
        }
        return m;
    }

    private void apply(List<Op> ops, int layer) {
        removedNonDirs.clear();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.type() == Op.Type.WHITEOUT || op.type() == Op.Type.OPAQUE) {
                String dir = op.type() == Op.Type.WHITEOUT ? parentPath(op.path()) : op.path();
                differsFromUmoci |= throughSymlink(dir);
            }
            if (op.type() == Op.Type.WHITEOUT) {
                differsFromUmoci |= ops.stream().anyMatch(o -> o.type() != Op.Type.WHITEOUT
                        && o.path().startsWith(op.path() + "/"));
                Inode parent = tree.lookup(parentPath(op.path()));
                if (parent != null && parent.isDir()) {
                    removed(op.path(), parent.kids.remove(TreeModel.last(op.path())), i);
                }
            } else if (op.type() == Op.Type.OPAQUE) {
                Inode dir = tree.lookup(op.path());
                if (dir != null && dir.isDir()) {
                    String prefix = op.path().isEmpty() ? "" : op.path() + "/";
                    // umoci keeps a lower child directory that this layer needs as a parent
                    // (with the lower metadata); the spec hides it and the layer makes a new one.
                    differsFromUmoci |= ops.stream().anyMatch(o -> o.type() != Op.Type.WHITEOUT
                            && o.type() != Op.Type.OPAQUE && o.path().startsWith(prefix)
                            && o.path().indexOf('/', prefix.length()) > 0
                            && dir.kids.containsKey(o.path().substring(prefix.length(), o.path().indexOf('/', prefix.length())))
                            && ops.stream().noneMatch(d -> d.type() == Op.Type.DIR
                                    && d.path().equals(o.path().substring(0, o.path().indexOf('/', prefix.length())))));
                    final int at = i;
                    dir.kids.forEach((name, kid) -> removed(prefix + name, kid, at));
                    dir.kids.clear();
                }
            }
        }
        markerOnly.clear();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            current = i;
            switch (op.type()) {
                case WHITEOUT -> differsFromUmoci |= throughSymlink(parentPath(op.path()));
                case OPAQUE -> {
                    differsFromUmoci |= throughSymlink(op.path());
                    if (!op.path().isEmpty()) {
                        directoryOfLayer(op.path(), layer);
                    }
                }
                default -> {
                    markerOnly.removeIf(d -> op.path().equals(d) || op.path().startsWith(d + "/"));
                    entry(op, layer);
                }
            }
        }
        differsFromUmoci |= !markerOnly.isEmpty();
    }

    /** Index of the op being applied in the second phase. */
    private int current;

    /** Notes the non-directories in a subtree a whiteout at op {@code index} removes. */
    private void removed(String path, Inode n, int index) {
        if (n == null) {
            return;
        }
        java.util.Deque<Object[]> todo = new java.util.ArrayDeque<>();
        todo.add(new Object[]{path, n});
        while (!todo.isEmpty()) {
            Object[] top = todo.poll();
            Inode x = (Inode) top[1];
            if (x.isDir()) {
                x.kids.forEach((name, kid) -> todo.add(new Object[]{top[0] + "/" + name, kid}));
            } else {
                removedNonDirs.merge((String) top[0], index, Math::min);
            }
        }
    }

    /** Makes {@code path} a directory of this layer unless it is one, or a non-directory of this layer. */
    private void directoryOfLayer(String path, int layer) {
        Inode parent = parents(path, layer, false);
        if (parent == null) {
            return;
        }
        Inode old = parent.kids.get(TreeModel.last(path));
        if (old == null || (!old.isDir() && old.layer != layer)) {
            differsFromUmoci |= old != null;
            if (old == null) {
                markerOnly.add(path);
            }
            parent.kids.put(TreeModel.last(path), TreeModel.implicitDir(layer));
        }
    }

    /**
     * The directory holding {@code path}, with missing parents made; a lower non-directory parent
     * is replaced by a directory, one of this layer is refused (or, when not {@code strict},
     * null is returned).
     */
    private Inode parents(String path, int layer, boolean strict) {
        Inode n = tree.root;
        List<String> names = TreeModel.names(path);
        StringBuilder prefix = new StringBuilder();
        for (String name : names.subList(0, names.size() - 1)) {
            prefix.append(prefix.length() == 0 ? "" : "/").append(name);
            // umoci applies whiteouts in tar order: a later one has not removed this lower file yet
            differsFromUmoci |= removedNonDirs.getOrDefault(prefix.toString(), -1) > current;
            Inode next = n.kids.get(name);
            if (next == null || (!next.isDir() && next.layer != layer)) {
                differsFromUmoci |= next != null;
                next = TreeModel.implicitDir(layer);
                n.kids.put(name, next);
            } else if (!next.isDir()) {
                if (strict) {
                    throw new Refused(path + ": parent " + name + " is a non-directory of the same layer");
                }
                return null;
            }
            n = next;
        }
        return n;
    }

    private void entry(Op op, int layer) {
        if (op.path().isEmpty()) {
            if (op.type() != Op.Type.DIR) {
                throw new Refused("the root must be a directory");
            }
            metadata(tree.root, op);
            return;
        }
        Inode parent = parents(op.path(), layer, true);
        String name = TreeModel.last(op.path());
        Inode old = parent.kids.get(name);
        Inode n;
        switch (op.type()) {
            case DIR -> {
                if (old != null && old.isDir()) {
                    metadata(old, op);
                    return;
                }
                n = new Inode(EntryType.DIRECTORY, layer);
            }
            case LINK -> {
                differsFromUmoci |= op.arg().equals(op.path()); // umoci removes the path, then cannot link it
                Inode target = tree.lookup(op.arg());
                if (target == null || target.isDir() || target.layer != layer) {
                    throw new Refused(op.path() + ": hard link to " + op.arg()
                            + ", not a non-directory of the same layer");
                }
                parent.kids.put(name, target);
                return;
            }
            case FILE -> {
                n = new Inode(EntryType.FILE, layer);
                n.data = op.arg().getBytes(StandardCharsets.UTF_8);
            }
            case SYMLINK -> {
                n = new Inode(EntryType.SYMLINK, layer);
                n.data = op.arg().getBytes(StandardCharsets.UTF_8);
            }
            case FIFO -> n = new Inode(EntryType.FIFO, layer);
            default -> throw new IllegalArgumentException(op.toString());
        }
        metadata(n, op);
        parent.kids.put(name, n);
    }

    /** Whether {@code path} or one of its parents is a symlink now (umoci follows those). */
    private boolean throughSymlink(String path) {
        Inode n = tree.root;
        for (String name : TreeModel.names(path)) {
            n = n.isDir() ? n.kids.get(name) : null;
            if (n == null) {
                return false;
            }
            if (n.type == EntryType.SYMLINK) {
                return true;
            }
        }
        return false;
    }

    private static void metadata(Inode n, Op op) {
        n.mode = op.mode();
        n.uid = 0;
        n.gid = 0;
        n.mtime = op.mtime();
    }

    private static String parentPath(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
