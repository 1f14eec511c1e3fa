package dev.kiln.ext4;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.kiln.ext4.ImageCheck.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reader on images made by e2fsprogs (mkfs.ext4 -d, debugfs, e2fsck, tune2fs), checked
 * against what debugfs says: files past 4 GiB through extents and through triple-indirect
 * block maps, uninitialized extents, 64 KiB blocks, bigalloc, a changed UUID with
 * metadata_csum_seed, inline directories the kernel grew into their xattr, and a journal that
 * needs recovery.
 */
class ReaderToolsTest {
    static final long FIVE_GIB = 5L << 30;

    @TempDir
    Path tmp;
    Path src;
    /** Open while the test reads contents of the entries it got. */
    private final List<FileChannel> channels = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (FileChannel ch : channels) {
            ch.close();
        }
    }

    @BeforeEach
    void tools() throws IOException {
        Tools.assumeTools("mkfs.ext4", "debugfs", "e2fsck", "tune2fs");
        src = Files.createDirectories(tmp.resolve("src"));
    }

    private Path mkfs(String size, String... options) throws Exception {
        Path image = tmp.resolve("img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0"));
        cmd.addAll(Arrays.asList(options));
        cmd.addAll(List.of("-d", src.toString(), image.toString(), size));
        Tools.ok(cmd.toArray(String[]::new));
        return image;
    }

    private Map<String, Ext4Entry> read(Path image) throws IOException {
        Map<String, Ext4Entry> out = new LinkedHashMap<>();
        FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
        channels.add(ch);
        Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "img").entries();
        for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
            out.put("/" + ReadBack.show(e.path()), e);
        }
        return out;
    }

    private static String debugfs(Path image, String request) throws Exception {
        return Tools.ok("debugfs", "-R", request, image.toString());
    }

    /** A sparse file of 5 GiB with "head" at 0 and "tail" in its last four bytes. */
    private void bigSparseFile() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("big").toFile(), "rw")) {
            f.write(b("head"));
            f.seek(FIVE_GIB - 4);
            f.write(b("tail"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-b 4096", "-b 1024", "-t ext3 -b 4096", "-t ext2 -b 1024"})
    void filesPastFourGibComeBackThroughExtentsAndBlockMaps(String options) throws Exception {
        bigSparseFile();
        Path image = mkfs("64M", options.split(" "));
        int bs = options.endsWith("1024") ? 1024 : 4096;
        assertThat(debugfs(image, "stat /big")).contains("Size: " + FIVE_GIB)
                .contains(options.contains("ext") ? "BLOCKS:" : "EXTENTS:");
        FileContent big = read(image).get("/big").content();
        assertThat(big.size()).isEqualTo(FIVE_GIB);
        assertThat(big.regions()).containsExactly(new DataRegion(0, bs), new DataRegion(FIVE_GIB - bs, bs));
        byte[] packed = big.openRegions().readAllBytes();
        assertThat(packed).hasSize(2 * bs).startsWith(b("head")).endsWith(b("tail"));
        try (InputStream in = big.open()) {
            assertThat(in.skip(FIVE_GIB - 8)).isEqualTo(FIVE_GIB - 8);
            assertThat(in.readAllBytes()).isEqualTo(new byte[] {0, 0, 0, 0, 't', 'a', 'i', 'l'});
        }
    }

    @Test
    void uninitializedExtentsAreHoles() throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(src.resolve("prealloc").toFile(), "rw")) {
            f.setLength(1 << 20);
            f.seek(200 * 4096);
            f.write(b("data"));
        }
        Path image = mkfs("16M", "-b", "4096");
        Tools.ok("debugfs", "-w", "-R", "fallocate /prealloc 0 99", image.toString());
        assertThat(debugfs(image, "ex /prealloc")).contains("Uninit");
        Tools.ok("e2fsck", "-fn", image.toString());
        FileContent content = read(image).get("/prealloc").content();
        assertThat(content.regions()).containsExactly(new DataRegion(200 * 4096, 4096));
        byte[] all = content.open().readAllBytes();
        assertThat(all).hasSize(1 << 20);
        assertThat(Arrays.copyOfRange(all, 0, 200 * 4096)).containsOnly(0);
        assertThat(Arrays.copyOfRange(all, 200 * 4096, 200 * 4096 + 4)).isEqualTo(b("data"));
    }

    /** Names the reader lists in a directory, and what debugfs lists there. */
    private void sameNames(Path image, Map<String, Ext4Entry> entries, String dir) throws Exception {
        TreeSet<String> debugfsNames = new TreeSet<>();
        for (String line : debugfs(image, "ls -p " + dir).split("\n")) {
            String[] f = line.split("/", -1);
            if (f.length >= 7 && !f[5].equals(".") && !f[5].equals("..") && !f[5].equals("lost+found")) {
                debugfsNames.add(f[5]);
            }
        }
        String prefix = dir.equals("/") ? "/" : dir + "/";
        TreeSet<String> ours = new TreeSet<>();
        for (String path : entries.keySet()) {
            if (path.startsWith(prefix) && path.length() > prefix.length() && path.indexOf('/', prefix.length()) < 0) {
                ours.add(path.substring(prefix.length()));
            }
        }
        assertThat(ours).isEqualTo(debugfsNames).isNotEmpty();
    }

    private void smallTree() throws IOException {
        Files.createDirectories(src.resolve("d"));
        for (int i = 0; i < 1000; i++) {
            Files.write(src.resolve("d/" + "name-".repeat(8) + i), b("content " + i));
        }
        Files.createSymbolicLink(src.resolve("link"), Path.of("d/" + "name-".repeat(8) + "7"));
        Files.write(src.resolve("file"), new byte[200_000]);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-b 65536", "-b 1024 -O bigalloc -C 16384", "-b 4096 -O meta_bg,^resize_inode"})
    void unusualGeometriesAreRead(String options) throws Exception {
        smallTree();
        Path image = mkfs("128M", options.split(" "));
        Map<String, Ext4Entry> entries = read(image);
        sameNames(image, entries, "/");
        sameNames(image, entries, "/d");
        assertThat(entries.get("/link").linkTarget()).isEqualTo(b("d/" + "name-".repeat(8) + "7"));
        assertThat(entries.get("/d/" + "name-".repeat(8) + "999").content().open().readAllBytes())
                .isEqualTo(b("content 999"));
        assertThat(entries.get("/file").content().open().readAllBytes()).isEqualTo(new byte[200_000]);
    }

    /** The kernel (not mke2fs) moves a full inline directory's entries on into "system.data". */
    @Test
    void inlineDirectoriesAndFilesSpillIntoTheirXattr() throws Exception {
        Tools.assumeRoot();
        Path image = mkfs("16M", "-b", "4096", "-O", "inline_data");
        RealImage.open(image).mounted("rw", root -> {
            Files.createDirectories(root.resolve("dir"));
            for (int i = 0; i < 6; i++) {
                Files.write(root.resolve("dir/name-" + i), b("x".repeat(i * 20 + 1)));
            }
        });
        assertThat(debugfs(image, "stat /dir")).contains("Flags: 0x10000000").containsPattern("Size of inline data: 1[0-9][0-9]");
        assertThat(debugfs(image, "stat /dir/name-5")).contains("Size of inline data: 101");
        Map<String, Ext4Entry> entries = read(image);
        sameNames(image, entries, "/dir");
        for (int i = 0; i < 6; i++) {
            assertThat(entries.get("/dir/name-" + i).content().open().readAllBytes()).isEqualTo(b("x".repeat(i * 20 + 1)));
        }
    }

    @Test
    void aChecksumSeedSurvivesANewUuid() throws Exception {
        smallTree();
        Path image = mkfs("64M", "-b", "4096", "-O", "metadata_csum_seed");
        Tools.ok("tune2fs", "-U", "random", image.toString());
        assertThat(Tools.ok("dumpe2fs", "-h", image.toString())).contains("metadata_csum_seed");
        assertThat(read(image)).hasSize(1 + 1 + 1000 + 2);
    }

    @Test
    void aJournalThatNeedsRecoveryIsRefused() throws Exception {
        smallTree();
        Path image = mkfs("64M", "-b", "4096");
        Tools.ok("debugfs", "-w", "-R", "feature needs_recovery", image.toString());
        assertThatThrownBy(() -> read(image)).isInstanceOf(Ext4Exception.class)
                .hasMessage("img: superblock: the journal needs recovery (the filesystem was not cleanly unmounted);"
                        + " run e2fsck on the image first");
    }
}
