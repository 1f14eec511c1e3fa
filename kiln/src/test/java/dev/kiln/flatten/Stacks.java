package dev.kiln.flatten;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Random layer stacks for the property tests: files, directories, symlinks, hard links, fifos,
 * whiteouts and opaque markers over a handful of short paths, so that replacements in both
 * directions, same-path repeats and hidden hard link names come up often.
 */
final class Stacks {
    private Stacks() {
    }

    static Arbitrary<List<List<Op>>> stacks(int maxLayers, int maxOpsPerLayer) {
        return op().list().ofMaxSize(maxOpsPerLayer).list().ofMinSize(1).ofMaxSize(maxLayers).map(Stacks::sanitize);
    }

    private static Arbitrary<String> path() {
        return Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("/", l));
    }

    private static Arbitrary<Op> op() {
        Arbitrary<Integer> mode = Arbitraries.of(0755, 0700, 0644, 0600, 04755);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, path().map(p -> Op.file(p, ""))),
                net.jqwik.api.Tuple.of(5, Combinators.combine(path(), mode).as(Op::dir)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(path(), Arbitraries.of("a", "../b", "/c/a"))
                        .as(Op::symlink)),
                net.jqwik.api.Tuple.of(5, Combinators.combine(path(), path()).as(Op::link)),
                net.jqwik.api.Tuple.of(1, path().map(Op::fifo)),
                net.jqwik.api.Tuple.of(4, path().map(Op::whiteout)),
                net.jqwik.api.Tuple.of(2, path().map(Op::opaque)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Op.opaque(""))),
                net.jqwik.api.Tuple.of(1, mode.map(m -> Op.dir("", m))));
    }

    /**
     * Makes the random layers well formed, as layers real tools write: no entry below a
     * non-directory of its own layer, hard links only to a non-directory of their own layer (others
     * are pointed at one, or become files); every entry gets distinct content and mtime, so the tree shows which entry
     * won.
     */
    static List<List<Op>> sanitize(List<List<Op>> raw) {
        List<List<Op>> out = new ArrayList<>();
        for (int l = 0; l < raw.size(); l++) {
            TreeModel alone = new TreeModel();
            List<Op> layer = new ArrayList<>();
            for (int i = 0; i < raw.get(l).size(); i++) {
                Op op = raw.get(l).get(i);
                long mtime = 100L * (l + 1) + i;
                String content = "L" + l + "." + i;
                if (op.type() == Op.Type.WHITEOUT || op.type() == Op.Type.OPAQUE) {
                    layer.add(op.with(null, op.mode(), mtime));
                    continue;
                }
                if (belowNonDirectory(alone, op.path())) {
                    continue;
                }
                if (op.type() == Op.Type.LINK) {
                    TreeModel.Inode target = alone.lookup(op.arg());
                    if (target == null || target.isDir()) {
                        // another name of something the layer has, or a file when it has nothing
                        List<String> candidates = new ArrayList<>();
                        alone.walk((p, n) -> {
                            if (!n.isDir()) {
                                candidates.add(p);
                            }
                        });
                        op = candidates.isEmpty() ? new Op(Op.Type.FILE, op.path(), null, 0644, mtime)
                                : op.with(candidates.get(Math.floorMod(op.arg().hashCode(), candidates.size())),
                                        op.mode(), mtime);
                    }
                }
                op = op.with(switch (op.type()) {
                    case FILE -> content;
                    case SYMLINK, LINK -> op.arg();
                    default -> null;
                }, op.mode(), mtime);
                put(alone, op);
                layer.add(op);
            }
            out.add(layer);
        }
        return out;
    }

    private static boolean belowNonDirectory(TreeModel tree, String path) {
        TreeModel.Inode n = tree.root;
        List<String> names = TreeModel.names(path);
        for (String name : names.subList(0, Math.max(0, names.size() - 1))) {
            n = n.kids.get(name);
            if (n == null) {
                return false;
            }
            if (!n.isDir()) {
                return true;
            }
        }
        return false;
    }

    private static void put(TreeModel tree, Op op) {
        byte[] path = op.path().getBytes(StandardCharsets.UTF_8);
        byte[] arg = op.arg() == null ? null : op.arg().getBytes(StandardCharsets.UTF_8);
        Entry e = switch (op.type()) {
            case FILE -> Entry.file(path, op.mode(), 0, 0, op.mtime(), arg.length, new java.io.ByteArrayInputStream(arg));
            case DIR -> Entry.directory(path, op.mode(), 0, 0, op.mtime());
            case SYMLINK -> Entry.symlink(path, arg, 0, 0, op.mtime());
            case LINK -> new Entry(path, EntryType.HARDLINK, 0644, 0, 0, 0, 0, Map.of(), arg, 0, 0, 0, null);
            case FIFO -> new Entry(path, EntryType.FIFO, op.mode(), 0, 0, op.mtime(), 0, Map.of(), null, 0, 0, 0, null);
            default -> throw new IllegalArgumentException(op.toString());
        };
        try {
            tree.put(e);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /**
     * Whether a layer gives entries below a path and later replaces that path by a
     * non-directory: the one shape Kiln may refuse (when a higher layer has a directory there).
     */
    static boolean fillsThenReplacesADirectory(List<List<Op>> stack) {
        for (List<Op> layer : stack) {
            for (int j = 0; j < layer.size(); j++) {
                Op replacing = layer.get(j);
                if (!replacing.isNonDirectory()) {
                    continue;
                }
                String prefix = replacing.path() + "/";
                for (int i = 0; i < j; i++) {
                    Op below = layer.get(i);
                    if (below.path().startsWith(prefix) && below.type() != Op.Type.WHITEOUT) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
