package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Table-driven edge cases, each image checked by e2fsck -fn and debugfs (and a mount as root). */
class EdgeCaseImageTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    private Path image(Item... items) throws IOException {
        Path img = tmp.resolve("img");
        build(img, options(), items(items));
        assertClean(img);
        return img;
    }

    @Test
    void mixedTreeMatchesItsDescriptionThroughTheKernel() throws Exception {
        byte[] holey = new byte[5 * 4096];
        holey[3 * 4096 + 7] = 9;
        verify(tmp.resolve("img"), items(
                dir("etc", attrs(0755)),
                file("etc/passwd", new Attributes(0644, 0, 0, 1_600_000_000L, 0, Map.of()), b("root:x:0:0::/root:/bin/sh\n")),
                file("usr/bin/su", new Attributes(04755, 0, 0, 1_600_000_001L, 0, Map.of()), b("ELF")),
                file("home/user/.profile", new Attributes(0600, 100000, 100000, 1_600_000_002L, 0, Map.of()), holey),
                hardLink("usr/bin/su2", "usr/bin/su"),
                symlink("bin", "usr/bin"),
                symlink("usr/lib/long", "l".repeat(300)),
                special("dev/console", SpecialType.CHARACTER_DEVICE, 5, 1),
                special("dev/loop300", SpecialType.BLOCK_DEVICE, 7, 300),
                special("run/initctl", SpecialType.FIFO, 0, 0),
                special("run/sock", SpecialType.SOCKET, 0, 0),
                dir("tmp", attrs(01777)),
                file("empty", attrs(0644), new byte[0])));
    }

    @Test
    void emptyFilesystemHasRootAndLostFound() throws Exception {
        Path img = image();
        assertThat(debugfs(img, "stat /")).contains("Mode:  0755").contains("User:     0   Group:     0");
        assertThat(debugfs(img, "stat /lost+found")).contains("Mode:  0700");
        assertThat(debugfs(img, "ls -l /")).contains("lost+found");
        withMount(img, root -> assertThat(Files.isDirectory(root.resolve("lost+found"))).isTrue());
    }

    @ParameterizedTest
    @CsvSource({"1, true", "59, true", "60, false", "4095, false"})
    void symlinkTargetLengths(int length, boolean fast) throws Exception {
        String target = "t".repeat(length);
        Path img = image(symlink("link", target));
        String stat = debugfs(img, "stat /link");
        assertThat(stat).contains("Size: " + length);
        if (fast) {
            assertThat(stat).contains("Fast link dest: \"" + target + "\"");
        } else {
            assertThat(stat).contains("Flags: 0x80000").doesNotContain("Fast link dest");
        }
        withMount(img, root -> assertThat(Files.readSymbolicLink(root.resolve("link")).toString()).isEqualTo(target));
    }

    @Test
    void symlinkTargetOfFourKibIsRefusedNamingThePath() {
        assertThatThrownBy(() -> build(tmp.resolve("img"), options(), items(symlink("a/link", "t".repeat(4096)))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("a/link: symlink target");
    }

    @Test
    void holesAndExtentTreeForFragmentedFile() throws Exception {
        // 12 data runs separated by zero blocks: more than 4 extents, so an extent tree with a leaf block.
        byte[] content = new byte[24 * 4096 + 100];
        for (int run = 0; run < 12; run++) {
            Arrays.fill(content, run * 2 * 4096, run * 2 * 4096 + 4096, (byte) (run + 1));
        }
        Arrays.fill(content, 24 * 4096, content.length, (byte) 7);
        byte[] sparse = new byte[40 << 20];
        sparse[0] = 1;
        sparse[sparse.length - 1] = 2;
        Path img = image(file("frag", attrs(0644), content), file("sparse", attrs(0644), sparse));
        assertThat(cat(img, "frag")).isEqualTo(content);
        assertThat(cat(img, "sparse")).isEqualTo(sparse);
        String ex = debugfs(img, "ex /frag");
        assertThat(ex).contains(" 0/ 1 ").contains(" 1/ 1 ");
        // 13 data blocks + 1 extent leaf block, in 512-byte units.
        assertThat(debugfs(img, "stat /frag")).contains("Blockcount: " + 14 * 8);
        assertThat(debugfs(img, "stat /sparse")).contains("Blockcount: 16").contains("Size: " + sparse.length);
    }

    @Test
    void largeIdsDevicesFifosSocketsAndModes() throws Exception {
        Attributes big = new Attributes(04755, 100000, 100001, 1_700_000_000L, 0, Map.of());
        Path img = image(
                file("suid", big, b("x")),
                dir("tmp", attrs(01777)),
                file("sgid", attrs(02711), b("y")),
                special("dev/big", SpecialType.CHARACTER_DEVICE, 259, 300),
                special("dev/null", SpecialType.CHARACTER_DEVICE, 1, 3),
                special("dev/sda", SpecialType.BLOCK_DEVICE, 8, 0),
                special("run/fifo", SpecialType.FIFO, 0, 0),
                special("run/sock", SpecialType.SOCKET, 0, 0));
        assertThat(debugfs(img, "stat /suid")).contains("Mode:  04755").contains("User: 100000   Group: 100001");
        assertThat(debugfs(img, "stat /tmp")).contains("Mode:  01777");
        assertThat(debugfs(img, "stat /sgid")).contains("Mode:  02711");
        assertThat(debugfs(img, "stat /dev/big")).contains("character special").contains("Device major/minor number: 259:300");
        assertThat(debugfs(img, "stat /dev/null")).contains("Device major/minor number: 01:03");
        assertThat(debugfs(img, "stat /dev/sda")).contains("block special").contains("08:00");
        assertThat(debugfs(img, "stat /run/fifo")).contains("Type: FIFO");
        assertThat(debugfs(img, "stat /run/sock")).contains("Type: socket");
        withMount(img, root -> {
            PosixFileAttributes a = Files.readAttributes(root.resolve("suid"), PosixFileAttributes.class);
            assertThat(Files.getAttribute(root.resolve("suid"), "unix:uid")).isEqualTo(100000);
            assertThat(Files.getAttribute(root.resolve("suid"), "unix:gid")).isEqualTo(100001);
            assertThat(Files.getAttribute(root.resolve("suid"), "unix:mode")).isEqualTo(0104755);
            assertThat(Files.getAttribute(root.resolve("tmp"), "unix:mode")).isEqualTo(041777);
            long rdev = (Long) Files.getAttribute(root.resolve("dev/big"), "unix:rdev");
            assertThat(rdev).isEqualTo(makedev(259, 300));
            assertThat(a.isRegularFile()).isTrue();
            assertThat(Files.getAttribute(root.resolve("run/fifo"), "unix:mode")).isEqualTo(010644);
        });
    }

    private static long makedev(long major, long minor) {
        return (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
    }

    @Test
    void hardLinkGroupsShareAnInodeAndCountLinks() throws Exception {
        Path img = image(
                file("a", attrs(0644), b("shared")),
                hardLink("b", "a"),
                hardLink("d/c", "a"),
                file("x", attrs(0644), b("one")),
                hardLink("y", "x"),
                file("y", attrs(0644), b("replaced"))); // replacing a name drops one link
        String a = debugfs(img, "stat /a");
        assertThat(a).contains("Links: 3");
        assertThat(debugfs(img, "stat /x")).contains("Links: 1");
        assertThat(new String(cat(img, "d/c"))).isEqualTo("shared");
        assertThat(new String(cat(img, "y"))).isEqualTo("replaced");
        withMount(img, root -> {
            Object ino = Files.getAttribute(root.resolve("a"), "unix:ino");
            assertThat(Files.getAttribute(root.resolve("b"), "unix:ino")).isEqualTo(ino);
            assertThat(Files.getAttribute(root.resolve("d/c"), "unix:ino")).isEqualTo(ino);
            assertThat(Files.getAttribute(root.resolve("a"), "unix:nlink")).isEqualTo(3);
        });
    }

    /**
     * Where a hard link comes among the calls changes nothing in the image (it takes no inode and
     * no block): a reader gives links back at its own place, and the image read back and written
     * again must come out the same, UUID included. Which names are linked does change it.
     */
    @Test
    void aHardLinkAnywhereAmongTheCallsGivesTheSameImage() throws Exception {
        Path early = tmp.resolve("early");
        Path late = tmp.resolve("late");
        Path other = tmp.resolve("other");
        build(early, options(), items(file("a", attrs(0644), b("shared")), hardLink("b", "a"),
                file("c", attrs(0644), b("c")), dir("d", attrs(0755))));
        build(late, options(), items(file("a", attrs(0644), b("shared")), file("c", attrs(0644), b("c")),
                dir("d", attrs(0755)), hardLink("b", "a")));
        build(other, options(), items(file("a", attrs(0644), b("shared")), file("c", attrs(0644), b("c")),
                dir("d", attrs(0755)), hardLink("d/b", "a")));
        assertThat(Files.mismatch(early, late)).isEqualTo(-1);
        assertThat(Files.mismatch(early, other)).isNotEqualTo(-1);
        assertClean(early);
    }

    @Test
    void timestampsPast2038Before1970AndNanoseconds() throws Exception {
        Path img = image(
                file("future", new Attributes(0644, 0, 0, 4102444800L, 123456789, Map.of()), b("f")), // 2100-01-01
                file("past", new Attributes(0644, 0, 0, -315619200L, 5, Map.of()), b("p")));        // 1960-01-01
        assertThat(debugfs(img, "stat /future")).contains("2100").contains(":1d6f3455"); // 123456789 << 2 | epoch 1
        assertThat(debugfs(img, "stat /past")).contains("1960");
        withMount(img, root -> {
            assertThat(Files.getLastModifiedTime(root.resolve("future")).toInstant())
                    .isEqualTo(java.time.Instant.ofEpochSecond(4102444800L, 123456789));
            assertThat(Files.getLastModifiedTime(root.resolve("past")).toInstant())
                    .isEqualTo(java.time.Instant.ofEpochSecond(-315619200L, 5));
        });
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws Exception {
        Path img = image(
                file("f", attrs(0644), new byte[100000]),
                file("f", attrs(0600), b("second")),
                dir("d", attrs(0755)),
                file("d/keep", attrs(0644), b("kept")),
                dir("d", attrs(0700)),                 // metadata only, children stay
                dir("gone", attrs(0755)),
                file("gone/a/b", attrs(0644), b("dropped")),
                file("gone", attrs(0644), b("now a file")), // drops the subtree
                symlink("s", "target"),
                dir("s", attrs(0711)));                 // a symlink replaced by a directory
        assertThat(new String(cat(img, "f"))).isEqualTo("second");
        assertThat(debugfs(img, "stat /f")).contains("Mode:  0600");
        assertThat(debugfs(img, "stat /d")).contains("Mode:  0700");
        assertThat(new String(cat(img, "d/keep"))).isEqualTo("kept");
        assertThat(new String(cat(img, "gone"))).isEqualTo("now a file");
        assertThat(debugfs(img, "stat /s")).contains("Type: directory").contains("Mode:  0711");
    }

    @Test
    void badPathsAndLinksFailNamingThePath() {
        assertThatThrownBy(() -> build(tmp.resolve("i1"), options(), items(hardLink("a", "missing"))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("a: hard link target missing");
        assertThatThrownBy(() -> build(tmp.resolve("i2"), options(), items(dir("d", attrs(0755)), hardLink("a", "d"))))
                .isInstanceOf(Ext4Exception.class).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> build(tmp.resolve("i3"), options(),
                items(file("a", attrs(0644), b("x")), file("a/b", attrs(0644), b("y")))))
                .isInstanceOf(Ext4Exception.class).hasMessage("a/b: parent a is not a directory");
        String longName = "n".repeat(256);
        assertThatThrownBy(() -> build(tmp.resolve("i4"), options(), items(file("d/" + longName, attrs(0644), b("y")))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("d/" + longName + ": name longer than 255");
    }

    @Test
    void firstFailureIsRememberedAndRethrown() throws Exception {
        try (var ch = java.nio.channels.FileChannel.open(tmp.resolve("img"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
             Ext4Writer w = new Ext4Writer(ch, options())) {
            assertThatThrownBy(() -> w.hardLink(b("x"), b("nope"))).isInstanceOf(Ext4Exception.class);
            assertThatThrownBy(() -> w.file(b("ok"), attrs(0644), 0, java.io.InputStream.nullInputStream()))
                    .hasMessageStartingWith("x: hard link target nope");
            assertThatThrownBy(w::finish).hasMessageStartingWith("x: hard link target nope");
        }
    }

    @Test
    void truncatedContentFailsNamingThePath() {
        assertThatThrownBy(() -> build(tmp.resolve("img"), options(),
                items(file("short", attrs(0644), 10, new java.io.ByteArrayInputStream(new byte[3])))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("short: content ended after 3 of 10 bytes");
    }

    @Test
    void nameOf255BytesAndNonUtf8Names() throws Exception {
        String longName = "n".repeat(255);
        byte[] latin1 = {'c', (byte) 0xE9, '\n', '\\'};
        Path img = tmp.resolve("img");
        build(img, options(), items(file(longName, attrs(0644), b("long")),
                w -> w.file(latin1, attrs(0644), 2, new java.io.ByteArrayInputStream(b("hi")))));
        assertClean(img);
        assertThat(new String(cat(img, longName))).isEqualTo("long");
        withMount(img, root -> {
            try (var s = Files.list(root)) {
                List<String> names = new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
                assertThat(names).contains(longName).hasSize(3);
            }
        });
    }
}
