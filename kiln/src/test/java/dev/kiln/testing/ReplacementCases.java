package dev.kiln.testing;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * One table of "a later entry replaces an earlier one" cases, run against every tree that
 * implements the rule (the ext4 writer's, the spooled tree of the archive outputs, the guest
 * stage's view, and the flattening tests' reference model), so that they cannot drift apart.
 *
 * <p>The rule, as tar extraction has it: parents that are not given are directories
 * (0755, root); a later entry for a path replaces the earlier one; a directory given again keeps
 * its children and takes the new metadata; anything else replacing a directory drops its
 * subtree; a hard link is another name of the inode at its target at that moment.
 */
public final class ReplacementCases {
    private ReplacementCases() {
    }

    /**
     * A path of the final tree. {@code kind} is f, d, l (symlink), p (fifo), c or b;
     * {@code detail} is a file's content or a symlink's target; {@code sameAs} the
     * alphabetically first other name of the same inode, or null when it has one name.
     */
    public record Expect(String path, char kind, int mode, String detail, String sameAs) {
        /** One line with the fields every tree can report, plus content and links when {@code full}. */
        public String line(boolean full) {
            StringBuilder sb = new StringBuilder("/").append(path).append(' ').append(kind);
            if (kind == 'l') {
                sb.append(" -> ").append(detail);
            }
            if (full) {
                sb.append(' ').append(String.format("%04o", mode));
                if (kind == 'f') {
                    sb.append(" \"").append(detail).append('"');
                }
                if (sameAs != null) {
                    sb.append(" =").append(sameAs);
                }
            }
            return sb.toString();
        }
    }

    /** One case: fresh entries each time (contents are streams) and the tree they must leave. */
    public record Case(String name, Supplier<List<Entry>> entries, List<Expect> expected) {
        /** Every path the entries mention, with their parents: those not expected must be absent. */
        public Set<String> mentioned() {
            Set<String> all = new LinkedHashSet<>();
            for (Entry e : entries.get()) {
                String p = e.pathString();
                for (int i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
                    all.add(p.substring(0, i));
                }
                all.add(p);
            }
            return all;
        }

        /** The expected tree as sorted lines (the root left out). */
        public List<String> lines(boolean full) {
            return expected.stream().filter(x -> !x.path.isEmpty()).map(x -> x.line(full)).sorted().toList();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Sorted lines of a tree described by the {@code Expect}s a subject observed. */
    public static List<String> lines(List<Expect> observed, boolean full) {
        return observed.stream().filter(x -> !x.path.isEmpty()).map(x -> x.line(full)).sorted().toList();
    }

    /** Fills in {@code sameAs} for observed paths that share an inode (by any key). */
    public static List<Expect> withLinks(List<Expect> observed, List<Object> inodes) {
        Map<Object, List<String>> names = new java.util.IdentityHashMap<>();
        for (int i = 0; i < observed.size(); i++) {
            if (observed.get(i).kind != 'd') {
                names.computeIfAbsent(inodes.get(i), x -> new ArrayList<>()).add(observed.get(i).path);
            }
        }
        List<Expect> out = new ArrayList<>();
        for (int i = 0; i < observed.size(); i++) {
            Expect x = observed.get(i);
            String same = null;
            if (x.kind != 'd') {
                same = names.get(inodes.get(i)).stream().filter(n -> !n.equals(x.path)).sorted().findFirst()
                        .orElse(null);
            }
            out.add(new Expect(x.path, x.kind, x.mode, x.detail, same));
        }
        return out;
    }

    public static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("a file over a file", () -> List.of(file("a", "1"), file("a", "2")),
                List.of(f("a", "2"))));
        cases.add(new Case("a file over a directory drops its subtree",
                () -> List.of(dir("a", 0755), file("a/x", "x"), dir("a/s", 0755), file("a/s/y", "y"), file("a", "file")),
                List.of(f("a", "file"))));
        cases.add(new Case("a directory over a file is empty", () -> List.of(file("a", "1"), file("b", "2"), dir("a", 0700)),
                List.of(d("a", 0700), f("b", "2"))));
        cases.add(new Case("a directory over a directory keeps its children and takes the new metadata",
                () -> List.of(dir("a", 0700), file("a/x", "x"), dir("a", 0750)),
                List.of(d("a", 0750), f("a/x", "x"))));
        cases.add(new Case("a symlink over a directory drops its subtree",
                () -> List.of(dir("a", 0755), file("a/x", "x"), symlink("a", "t")),
                List.of(l("a", "t"))));
        cases.add(new Case("a directory over a symlink", () -> List.of(symlink("a", "t"), dir("a", 0755), file("a/x", "x")),
                List.of(d("a", 0755), f("a/x", "x"))));
        cases.add(new Case("a symlink over a file", () -> List.of(file("a", "1"), symlink("a", "t")),
                List.of(l("a", "t"))));
        cases.add(new Case("a file over a symlink", () -> List.of(symlink("a", "t"), file("a", "1")),
                List.of(f("a", "1"))));
        cases.add(new Case("a fifo over a file", () -> List.of(file("a", "1"), fifo("a")),
                List.of(new Expect("a", 'p', 0644, null, null))));
        cases.add(new Case("a device over a directory drops its subtree",
                () -> List.of(dir("a", 0755), file("a/x", "x"), device("a", EntryType.CHARACTER_DEVICE)),
                List.of(new Expect("a", 'c', 0644, null, null))));
        cases.add(new Case("a hard link over its own target changes nothing",
                () -> List.of(file("a", "1"), hardLink("a", "a")),
                List.of(f("a", "1"))));
        cases.add(new Case("a hard link over another file",
                () -> List.of(file("a", "1"), file("b", "2"), hardLink("b", "a")),
                List.of(linked(f("a", "1"), "b"), linked(f("b", "1"), "a"))));
        cases.add(new Case("a file over a hard link name leaves the other name alone",
                () -> List.of(file("a", "1"), hardLink("b", "a"), file("b", "2")),
                List.of(f("a", "1"), f("b", "2"))));
        cases.add(new Case("a hard link keeps the inode its target had, not the one replacing it",
                () -> List.of(file("a", "1"), hardLink("b", "a"), file("a", "2")),
                List.of(f("a", "2"), f("b", "1"))));
        cases.add(new Case("a replaced directory takes its names of an inode with it, not the inode",
                () -> List.of(dir("d", 0755), file("d/x", "1"), hardLink("y", "d/x"), file("d", "f")),
                List.of(f("d", "f"), f("y", "1"))));
        cases.add(new Case("a hard link to a symlink is the same symlink",
                () -> List.of(symlink("s", "t"), hardLink("h", "s")),
                List.of(linked(l("h", "t"), "s"), linked(l("s", "t"), "h"))));
        cases.add(new Case("parents not given are directories",
                () -> List.of(file("a/b/c", "1")),
                List.of(d("a", 0755), d("a/b", 0755), f("a/b/c", "1"))));
        cases.add(new Case("a parent given after its children keeps them",
                () -> List.of(file("a/b", "1"), dir("a", 0700)),
                List.of(d("a", 0700), f("a/b", "1"))));
        cases.add(new Case("a directory made again after a file replaced it starts empty",
                () -> List.of(file("d/x", "x"), file("d", "f"), dir("d", 0755), file("d/y", "y")),
                List.of(d("d", 0755), f("d/y", "y"))));
        cases.add(new Case("implicit parents below a file that replaced them are gone",
                () -> List.of(file("x/y/f", "1"), file("x", "file")),
                List.of(f("x", "file"))));
        return cases;
    }

    // ---- entries ----

    public static Entry dir(String path, int mode) {
        return Entry.directory(b(path), mode, 0, 0, 1);
    }

    public static Entry file(String path, String content) {
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        return Entry.file(b(path), 0644, 0, 0, 1, c.length, new ByteArrayInputStream(c));
    }

    public static Entry symlink(String path, String target) {
        return Entry.symlink(b(path), b(target), 0, 0, 1);
    }

    public static Entry hardLink(String path, String target) {
        return new Entry(b(path), EntryType.HARDLINK, 0644, 0, 0, 1, 0, Map.of(), b(target), 0, 0, 0, null);
    }

    public static Entry fifo(String path) {
        return new Entry(b(path), EntryType.FIFO, 0644, 0, 0, 1, 0, Map.of(), null, 0, 0, 0, null);
    }

    public static Entry device(String path, EntryType type) {
        return new Entry(b(path), type, 0644, 0, 0, 1, 0, Map.of(), null, 1, 3, 0, null);
    }

    // ---- expectations ----

    public static Expect f(String path, String content) {
        return new Expect(path, 'f', 0644, content, null);
    }

    public static Expect d(String path, int mode) {
        return new Expect(path, 'd', mode, null, null);
    }

    public static Expect l(String path, String target) {
        return new Expect(path, 'l', 0777, target, null);
    }

    public static Expect linked(Expect x, String sameAs) {
        return new Expect(x.path(), x.kind(), x.mode(), x.detail(), sameAs);
    }

    /** A kind letter for an entry type. */
    public static char kind(EntryType type) {
        return switch (type) {
            case FILE -> 'f';
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case FIFO -> 'p';
            case CHARACTER_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case SOCKET -> 's';
            case HARDLINK -> throw new IllegalArgumentException("a hard link is not a kind of inode");
        };
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sorted for stable failure output. */
    public static Map<String, Expect> byPath(List<Expect> xs) {
        Map<String, Expect> m = new TreeMap<>();
        xs.forEach(x -> m.put(x.path(), x));
        return m;
    }
}
