package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.io.HashingInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What GuestStage learns about the image while passing its entries through: which paths exist,
 * which are directories, where the symlinks point, and the content of the few small files it
 * must edit (/etc/inittab). Paths are relative, without a leading slash.
 *
 * <p>It is a tree of inodes with the writer's replacement rules, so that it describes the tree
 * the writer builds: parents not given are directories, a later entry for a path replaces the
 * earlier one, a directory given again keeps its children, anything else replacing a directory
 * drops its subtree, and a hard link is another name of the inode at its target. Walks are
 * iterative, so no depth of path can exhaust the stack.
 *
 * <p>Build steps use it too: a {@code copy:} step's destination is resolved through the image's
 * symlinks as the guest stage resolves its own files.
 */
public final class TreeView {
    /** Files whose content GuestStage may need to extend; kept in memory (they are small). */
    private static final Set<String> KEPT = Set.of("etc/inittab");
    private static final int MAX_KEPT_SIZE = 1 << 20;
    private static final int MAX_SYMLINK_HOPS = 40;

    /**
     * What the image's entry for a file or symlink said, to tell whether an addition would change
     * anything ({@link #holds}).
     *
     * @param content the file's bytes hashed as they passed (only for {@link #hashedNames}), or null
     */
    private record Fingerprint(int mode, long uid, long gid, long mtime, int nanos, boolean xattrs, long size,
                               HashingInputStream content) {
    }

    /** One inode; hard links share the object. */
    private static final class Node {
        final EntryType type;
        /** A symlink's target. */
        final String target;
        /** Children by name, for directories. */
        final Map<String, Node> kids;
        byte[] kept;
        Fingerprint print;
        /** Names of the inode: more than one once a hard link points at it. */
        int names = 1;

        Node(EntryType type, String target) {
            this.type = type;
            this.target = target;
            this.kids = type == EntryType.DIRECTORY ? new HashMap<>() : null;
        }

        boolean isDir() {
            return type == EntryType.DIRECTORY;
        }
    }

    private final Node root = new Node(EntryType.DIRECTORY, null);
    /** File names whose content is hashed as it passes: those the guest stage may write itself. */
    private final Set<String> hashedNames;

    /** A view that hashes no content. */
    public TreeView() {
        this(Set.of());
    }

    /** A view that hashes the content of files named (last component) one of {@code hashedNames}. */
    TreeView(Set<String> hashedNames) {
        this.hashedNames = Set.copyOf(hashedNames);
    }

    /** Records the entry; returns it, or a copy whose content was read into memory. */
    public Entry observe(Entry e) throws IOException {
        String path = e.pathString();
        if (path.isEmpty()) {
            return e; // the root's own metadata
        }
        Node node = switch (e.type()) {
            case DIRECTORY -> new Node(EntryType.DIRECTORY, null);
            case SYMLINK -> new Node(EntryType.SYMLINK,
                    e.linkTarget() == null ? "" : new String(e.linkTarget(), StandardCharsets.UTF_8));
            case HARDLINK -> {
                Node target = lookup(new String(e.linkTarget(), StandardCharsets.UTF_8));
                if (target != null && !target.isDir()) {
                    target.names++;
                    yield target;
                }
                // The writer refuses a link to nothing or to a directory; record a file meanwhile.
                yield new Node(EntryType.FILE, null);
            }
            default -> new Node(e.type(), null);
        };
        put(path, node);
        if (e.type() != EntryType.FILE && e.type() != EntryType.SYMLINK) {
            return e;
        }
        HashingInputStream hashed = null;
        Entry out = e;
        if (e.type() == EntryType.FILE && KEPT.contains(path) && e.size() <= MAX_KEPT_SIZE) {
            byte[] content = e.content().readNBytes((int) e.size());
            node.kept = content;
            hashed = new HashingInputStream(new ByteArrayInputStream(content));
            hashed.finish();
            out = e.withContent(content.length, new ByteArrayInputStream(content));
        } else if (e.type() == EntryType.FILE && e.content() != null && !(e.content() instanceof SparseContent)
                && hashedNames.contains(path.substring(path.lastIndexOf('/') + 1))) {
            hashed = new HashingInputStream(e.content());
            out = e.withContent(e.size(), hashed);
        }
        if (hashed != null || e.type() == EntryType.SYMLINK) {
            // A file whose bytes were not hashed can never be held (holdsFile): no fingerprint
            // (64 bytes a file, a sixth of what an image of many small files keeps per file).
            node.print = new Fingerprint(e.mode(), e.uid(), e.gid(), e.mtimeSeconds(), e.mtimeNanos(),
                    !e.xattrs().isEmpty(), e.size(), hashed);
        }
        return out;
    }

    /**
     * Whether {@code path} (not followed) is a file of the image, of one name, whose entry said
     * exactly this: mode, owner, time (whole seconds), no xattrs, and bytes of this SHA-256
     * ({@code sha256} is asked only when all else matches). Such an addition would change
     * nothing, so the guest stage leaves it out and the image keeps its own entry, in its place:
     * a Kiln image read back and built again with the same options comes out byte for byte.
     */
    boolean holdsFile(String path, int mode, long uid, long gid, long mtime, long size, ContentDigest sha256)
            throws IOException {
        Node n = lookup(path);
        if (n == null || n.type != EntryType.FILE || n.names != 1 || n.print == null || n.print.content() == null) {
            return false;
        }
        Fingerprint p = n.print;
        if (p.mode() != mode || p.uid() != uid || p.gid() != gid || p.mtime() != mtime || p.nanos() != 0
                || p.xattrs() || p.size() != size) {
            return false;
        }
        // The writer has read every file by the time the image's entries have ended; a file read
        // only in part matches nothing.
        return p.content().count() == size && p.content().digestOfRead().equals(sha256.get());
    }

    /** Whether {@code path} (not followed) is a symlink of the image exactly like this one. */
    boolean holdsSymlink(String path, String target, long uid, long gid, long mtime) {
        Node n = lookup(path);
        return n != null && n.type == EntryType.SYMLINK && n.target.equals(target) && n.print != null
                && n.print.uid() == uid && n.print.gid() == gid && n.print.mtime() == mtime && n.print.nanos() == 0
                && !n.print.xattrs();
    }

    /** The SHA-256 of an addition's bytes, computed only when asked. */
    @FunctionalInterface
    interface ContentDigest {
        String get() throws IOException;
    }

    /** Puts {@code node} at {@code path}; a directory over a directory keeps the old one and its children. */
    private void put(String path, Node node) {
        Node parent = root;
        String[] names = path.split("/", -1);
        for (int i = 0; i < names.length - 1; i++) {
            Node next = parent.kids.get(names[i]);
            if (next == null || !next.isDir()) {
                // a missing parent is a directory (the writer refuses a non-directory one; don't guess further)
                next = new Node(EntryType.DIRECTORY, null);
                parent.kids.put(names[i], next);
            }
            parent = next;
        }
        String name = names[names.length - 1];
        Node old = parent.kids.get(name);
        if (!(node.isDir() && old != null && old.isDir())) {
            parent.kids.put(name, node);
        }
    }

    /** The inode at {@code path} without following symlinks, or null. */
    private Node lookup(String path) {
        if (path.isEmpty()) {
            return root;
        }
        Node node = root;
        for (String name : path.split("/", -1)) {
            if (!node.isDir()) {
                return null;
            }
            node = node.kids.get(name);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /**
     * Resolves every directory component of {@code path} through the image's symlinks (the
     * writer does not follow them), leaving the last component as it is.
     */
    public String resolveParent(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return path;
        }
        String dir = resolve(path.substring(0, slash));
        return dir.isEmpty() ? path.substring(slash + 1) : dir + "/" + path.substring(slash + 1);
    }

    /** Resolves the whole path, including a symlink in its last component. */
    public String resolveFully(String path) {
        return resolve(path);
    }

    /**
     * Follows symlinks component by component, as the kernel does inside the image's root:
     * absolute targets start again at the root, ".." stops at the root, and components past
     * what exists are kept as they are.
     */
    private String resolve(String path) {
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/", -1)));
        List<String> names = new ArrayList<>();
        List<Node> nodes = new ArrayList<>(); // the inode of each resolved name, null past what exists
        int hops = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!names.isEmpty()) {
                    names.remove(names.size() - 1);
                    nodes.remove(nodes.size() - 1);
                }
                continue;
            }
            Node dir = nodes.isEmpty() ? root : nodes.get(nodes.size() - 1);
            Node child = dir != null && dir.isDir() ? dir.kids.get(part) : null;
            if (child != null && child.type == EntryType.SYMLINK) {
                if (++hops > MAX_SYMLINK_HOPS) {
                    throw new KilnException(path + ": too many levels of symbolic links");
                }
                if (child.target.startsWith("/")) {
                    names.clear();
                    nodes.clear();
                }
                String[] target = child.target.split("/", -1);
                for (int i = target.length - 1; i >= 0; i--) {
                    todo.addFirst(target[i]);
                }
                continue;
            }
            names.add(part);
            nodes.add(child);
        }
        return String.join("/", names);
    }

    public boolean isDirectory(String path) {
        Node n = lookup(path);
        return n != null && n.isDir();
    }

    public boolean isSymlink(String path) {
        Node n = lookup(path);
        return n != null && n.type == EntryType.SYMLINK;
    }

    public boolean exists(String path) {
        return lookup(path) != null;
    }

    /** Whether the path, followed through symlinks, is a file (or device, fifo...). */
    boolean isFileFollowing(String path) {
        Node n = lookup(resolveFully(path));
        return n != null && !n.isDir() && n.type != EntryType.SYMLINK;
    }

    Optional<String> symlinkTarget(String path) {
        Node n = lookup(path);
        return n != null && n.type == EntryType.SYMLINK ? Optional.of(n.target) : Optional.empty();
    }

    Optional<byte[]> kept(String path) {
        Node n = lookup(path);
        return Optional.ofNullable(n == null ? null : n.kept);
    }

    /** Notes a path GuestStage itself adds, so later additions see it. */
    public void added(String path, boolean directory) {
        if (path.isEmpty()) {
            return; // the root, a directory already
        }
        put(path, new Node(directory ? EntryType.DIRECTORY : EntryType.FILE, null));
    }
}
