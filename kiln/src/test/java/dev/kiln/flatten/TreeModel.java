package dev.kiln.flatten;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.testing.ReplacementCases;
import dev.kiln.testing.ReplacementCases.Expect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small, obviously correct file tree in memory: directories hold named inodes, hard links
 * share an inode object. {@link #put} applies an entry the way tar extraction (and Kiln's
 * writers) do; the OCI reference model builds on the lower-level operations. Names are kept as
 * ISO-8859-1 strings, which map bytes one to one.
 */
final class TreeModel {
    /** Thrown where an extraction would fail. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    static final class Inode {
        final EntryType type;
        int mode;
        long uid;
        long gid;
        long mtime;
        byte[] data;
        /** The layer that created the inode (the OCI model's; -1 elsewhere). */
        final int layer;
        final TreeMap<String, Inode> kids;

        Inode(EntryType type, int layer) {
            this.type = type;
            this.layer = layer;
            this.kids = type == EntryType.DIRECTORY ? new TreeMap<>() : null;
        }

        boolean isDir() {
            return type == EntryType.DIRECTORY;
        }
    }

    final Inode root = implicitDir(-1);

    static Inode implicitDir(int layer) {
        Inode d = new Inode(EntryType.DIRECTORY, layer);
        d.mode = 0755;
        return d;
    }

    static List<String> names(String path) {
        return path.isEmpty() ? List.of() : List.of(path.split("/", -1));
    }

    static String name(byte[] path) {
        return new String(path, StandardCharsets.ISO_8859_1);
    }

    /** The inode at {@code path} without following symlinks, or null. */
    Inode lookup(String path) {
        Inode n = root;
        for (String name : names(path)) {
            if (!n.isDir()) {
                return null;
            }
            n = n.kids.get(name);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** The directory that holds {@code path}, creating missing parents; a non-directory parent is refused. */
    Inode parentOf(String path) {
        Inode n = root;
        List<String> names = names(path);
        for (String name : names.subList(0, names.size() - 1)) {
            Inode next = n.kids.get(name);
            if (next == null) {
                next = implicitDir(-1);
                n.kids.put(name, next);
            } else if (!next.isDir()) {
                throw new Refused(path + ": parent " + name + " is not a directory");
            }
            n = next;
        }
        return n;
    }

    static String last(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Applies an entry with the replacement rules of extraction. */
    void put(Entry e) throws IOException {
        String path = name(e.path());
        if (path.isEmpty()) {
            if (e.type() != EntryType.DIRECTORY) {
                throw new Refused("the root must be a directory");
            }
            setMetadata(root, e);
            return;
        }
        Inode parent = parentOf(path);
        String name = last(path);
        Inode old = parent.kids.get(name);
        switch (e.type()) {
            case DIRECTORY -> {
                if (old != null && old.isDir()) {
                    setMetadata(old, e);
                } else {
                    parent.kids.put(name, inode(e, -1));
                }
            }
            case HARDLINK -> {
                Inode target = lookup(name(e.linkTarget()));
                if (target == null || target.isDir()) {
                    throw new Refused(path + ": hard link to " + name(e.linkTarget()) + ", not an existing non-directory");
                }
                parent.kids.put(name, target);
            }
            default -> parent.kids.put(name, inode(e, -1));
        }
    }

    /** Drains the stream into this tree. */
    TreeModel putAll(EntryStream s) throws IOException {
        try (s) {
            for (Entry e = s.next(); e != null; e = s.next()) {
                put(e);
            }
        }
        return this;
    }

    static Inode inode(Entry e, int layer) throws IOException {
        Inode n = new Inode(e.type(), layer);
        setMetadata(n, e);
        if (e.type() == EntryType.FILE) {
            n.data = e.content().readNBytes((int) e.size());
            if (n.data.length != e.size()) {
                throw new AssertionError(name(e.path()) + ": content shorter than its size");
            }
        } else if (e.type() == EntryType.SYMLINK) {
            n.data = e.linkTarget();
        }
        return n;
    }

    static void setMetadata(Inode n, Entry e) {
        n.mode = e.mode() & 07777;
        n.uid = e.uid();
        n.gid = e.gid();
        n.mtime = e.mtimeSeconds();
    }

    /** Every path but the root, parents first, siblings sorted. */
    void walk(java.util.function.BiConsumer<String, Inode> visitor) {
        List<Object[]> stack = new ArrayList<>();
        stack.add(new Object[]{"", root});
        while (!stack.isEmpty()) {
            Object[] top = stack.remove(stack.size() - 1);
            String path = (String) top[0];
            Inode n = (Inode) top[1];
            if (!path.isEmpty()) {
                visitor.accept(path, n);
            }
            if (n.isDir()) {
                List<Map.Entry<String, Inode>> kids = new ArrayList<>(n.kids.entrySet());
                for (int i = kids.size() - 1; i >= 0; i--) {
                    String kid = kids.get(i).getKey();
                    stack.add(new Object[]{path.isEmpty() ? kid : path + "/" + kid, kids.get(i).getValue()});
                }
            }
        }
    }

    /** The tree as the replacement table describes one. */
    List<Expect> expects() {
        List<Expect> out = new ArrayList<>();
        List<Object> inodes = new ArrayList<>();
        walk((path, n) -> {
            String detail = n.data == null ? null : new String(n.data, StandardCharsets.UTF_8);
            out.add(new Expect(path, ReplacementCases.kind(n.type), n.mode, detail, null));
            inodes.add(n);
        });
        return ReplacementCases.withLinks(out, inodes);
    }

    /** Everything the model knows, one line per path (the root included), for exact comparisons. */
    List<String> listing() {
        Map<Inode, List<String>> names = new IdentityHashMap<>();
        walk((path, n) -> {
            if (!n.isDir()) {
                names.computeIfAbsent(n, x -> new ArrayList<>()).add(path);
            }
        });
        List<String> lines = new ArrayList<>();
        lines.add(line("", root, null));
        walk((path, n) -> lines.add(line(path, n, names.get(n))));
        return lines;
    }

    private static String line(String path, Inode n, List<String> names) {
        StringBuilder sb = new StringBuilder("/").append(path).append(' ').append(ReplacementCases.kind(n.type))
                .append(' ').append(String.format("%04o", n.mode)).append(' ').append(n.uid).append(':').append(n.gid)
                .append(" t=").append(n.mtime);
        if (n.data != null) {
            sb.append(n.type == EntryType.SYMLINK ? " -> " : " \"").append(new String(n.data, StandardCharsets.UTF_8))
                    .append(n.type == EntryType.SYMLINK ? "" : "\"");
        }
        if (names != null && names.size() > 1) {
            sb.append(" links=").append(names.stream().sorted().toList());
        }
        return sb.toString();
    }
}
