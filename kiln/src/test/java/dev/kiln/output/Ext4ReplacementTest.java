package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.ReplacementCases;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared replacement table ({@link ReplacementCases}) against the ext4 writer, through its
 * public API (via {@link Ext4Sink}); the image is checked with {@code e2fsck -fn} and read back
 * with {@code debugfs} alone: kinds and modes from {@code ls -p}, hard link groups from inode
 * numbers, contents from {@code cat}, symlink targets from {@code stat}.
 */
class Ext4ReplacementTest {
    @TempDir
    Path work;

    @BeforeAll
    static void tools() {
        Tools.assumeTools("debugfs", "e2fsck");
    }

    static List<ReplacementCases.Case> cases() {
        return ReplacementCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ext4Writer(ReplacementCases.Case c) throws Exception {
        Path image = work.resolve("image.ext4");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Ext4Writer writer = new Ext4Writer(ch, Ext4Options.defaults())) {
            Ext4Sink sink = new Ext4Sink(writer);
            for (Entry e : c.entries().get()) {
                sink.accept(e);
            }
            writer.finish();
        }
        Ext4Image.assertClean(image);
        assertThat(ReplacementCases.lines(read(image), true)).containsExactlyElementsOf(c.lines(true));
    }

    /** The image's tree, lost+found left out. */
    private static List<ReplacementCases.Expect> read(Path image) {
        List<ReplacementCases.Expect> seen = new ArrayList<>();
        List<Object> inodes = new ArrayList<>();
        Deque<String> dirs = new ArrayDeque<>(List.of(""));
        while (!dirs.isEmpty()) {
            String dir = dirs.poll();
            for (String line : Ext4Image.debugfs(image, "ls -p /" + dir).split("\n")) {
                // /inode/mode/uid/gid/name/size/
                String[] f = line.split("/", -1);
                if (f.length < 7 || f[5].equals(".") || f[5].equals("..") || (dir.isEmpty() && f[5].equals("lost+found"))) {
                    continue;
                }
                String path = dir.isEmpty() ? f[5] : dir + "/" + f[5];
                int mode = Integer.parseInt(f[2], 8);
                char kind = switch (mode & 0170000) {
                    case 0040000 -> 'd';
                    case 0100000 -> 'f';
                    case 0120000 -> 'l';
                    case 0010000 -> 'p';
                    case 0020000 -> 'c';
                    case 0060000 -> 'b';
                    default -> '?';
                };
                String detail = switch (kind) {
                    case 'f' -> Ext4Image.debugfs(image, "cat /" + path);
                    case 'l' -> symlinkTarget(Ext4Image.debugfs(image, "stat /" + path));
                    default -> null;
                };
                if (kind == 'd') {
                    dirs.add(path);
                }
                seen.add(new ReplacementCases.Expect(path, kind, mode & 07777, detail, null));
                inodes.add(Integer.valueOf(f[1]));
            }
        }
        List<Object> canonical = new ArrayList<>();
        for (Object ino : inodes) {
            canonical.add(canonical.stream().filter(ino::equals).findFirst().orElse(ino));
        }
        return ReplacementCases.withLinks(seen, canonical);
    }

    private static String symlinkTarget(String stat) {
        for (String line : stat.split("\n")) {
            if (line.startsWith("Fast link dest: \"")) {
                return line.substring("Fast link dest: \"".length(), line.length() - 1);
            }
        }
        throw new AssertionError("no fast link target in:\n" + stat);
    }
}
