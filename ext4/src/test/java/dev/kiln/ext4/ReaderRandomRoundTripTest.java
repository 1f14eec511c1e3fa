package dev.kiln.ext4;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.b;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of writer calls (implicit parents, replacements of files by directories and
 * back, hard links anywhere, xattrs in any order, holes): reading the image and writing what
 * was read keeps the tree, and doing it again changes no byte.
 */
class ReaderRandomRoundTripTest {
    private static final List<String> PATHS = List.of("a", "b", "a/x", "a/y", "b/x", "a/x/deep", "c", "b/x/z");
    private static final List<Map<String, byte[]>> XATTRS = List.of(Map.of(),
            ordered("user.b", "2", "user.a", "1"), ordered("security.selinux", "ctx", "user.k", "v"),
            ordered("user.big", "x".repeat(700)));

    /** One writer call: kind 0 dir, 1 file, 2 symlink, 3 hard link (to the target-th file written), 4 FIFO. */
    record Op(int kind, int path, int size, int xattrs, int target) {
    }

    private static Map<String, byte[]> ordered(String... kv) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], b(kv[i + 1]));
        }
        return m;
    }

    @Provide
    Arbitrary<List<Op>> calls() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, PATHS.size() - 1), Arbitraries.of(0, 1, 4096, 20_000, 70_000),
                Arbitraries.integers().between(0, XATTRS.size() - 1), Arbitraries.integers().between(0, 5))
                .as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(14);
    }

    /** Content with holes: a marker in every third block. */
    private static byte[] content(int size, int seed) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i += 3 * 4096) {
            data[i] = (byte) (seed + i / 4096 + 1);
        }
        return data;
    }

    /**
     * Writes the calls, leaving out those the writer would refuse (a parent that is not a
     * directory, a link to nothing or to a directory), which a small model of the tree tells.
     */
    private static void write(Path image, List<Op> ops) throws IOException {
        Map<String, Boolean> isDir = new HashMap<>();
        List<String> files = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
             Ext4Writer w = new Ext4Writer(ch, ImageCheck.options().withHeadroom(0, 0))) {
            for (Op op : ops) {
                String path = PATHS.get(op.path());
                if (!parentsAreDirectories(isDir, path)) {
                    continue;
                }
                Attributes a = new Attributes(0644, op.size(), 7, 1_600_000_000L + op.size(), op.xattrs(),
                        XATTRS.get(op.xattrs()));
                switch (op.kind()) {
                    case 0 -> w.directory(b(path), a);
                    case 1 -> {
                        byte[] data = content(op.size(), op.path());
                        w.file(b(path), a, data.length, new ByteArrayInputStream(data));
                    }
                    case 2 -> w.symlink(b(path), a, b("t".repeat(op.size() % 100 + 1)));
                    case 3 -> {
                        String target = files.isEmpty() ? null : files.get(op.target() % files.size());
                        if (target == null || !Boolean.FALSE.equals(isDir.get(target)) || target.equals(path)) {
                            continue;
                        }
                        w.hardLink(b(path), b(target));
                    }
                    default -> w.special(b(path), a, SpecialType.FIFO, 0, 0);
                }
                if (op.kind() != 0) { // a directory given again keeps its children
                    isDir.keySet().removeIf(p -> p.startsWith(path + "/"));
                    files.removeIf(p -> p.startsWith(path + "/"));
                }
                isDir.put(path, op.kind() == 0);
                files.removeIf(p -> p.equals(path) && op.kind() == 0);
                if (op.kind() == 1) {
                    files.add(path);
                }
            }
            w.finish();
        }
    }

    private static boolean parentsAreDirectories(Map<String, Boolean> isDir, String path) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            String parent = path.substring(0, slash);
            if (Boolean.FALSE.equals(isDir.get(parent))) {
                return false;
            }
            isDir.putIfAbsent(parent, true);
        }
        return true;
    }

    @Property(tries = 60)
    void aRewriteKeepsTheTreeAndASecondChangesNothing(@ForAll("calls") List<Op> ops) throws Exception {
        Path dir = Files.createTempDirectory("kiln-roundtrip");
        try {
            Path a = dir.resolve("a.img");
            Path b = dir.resolve("b.img");
            Path c = dir.resolve("c.img");
            write(a, ops);
            ReadBack.rewrite(a, b, ImageCheck.options().withHeadroom(0, 0));
            ReadBack.rewrite(b, c, ImageCheck.options().withHeadroom(0, 0));
            assertThat(ReadBack.tree(b)).isEqualTo(ReadBack.tree(a));
            assertThat(ReadBack.sha256(c)).isEqualTo(ReadBack.sha256(b));
            if (ImageCheck.have("e2fsck")) {
                ImageCheck.assertClean(b);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
