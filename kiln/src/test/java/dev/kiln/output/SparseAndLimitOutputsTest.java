package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.tar.TarReader;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Holes through the spool and the archive writers (kept by tar, written out by cpio, never
 * expanded in scratch space), what newc and the kernel's unpacker cannot hold, and trees too
 * deep for any recursion.
 */
class SparseAndLimitOutputsTest {
    private static final long TIB = 1L << 40;

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A sparse file entry and the regions' bytes. */
    private static Entry sparse(String path, long size, long[][] regions, Random random) {
        List<SparseContent.Region> map = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (long[] r : regions) {
            byte[] bytes = new byte[(int) r[1]];
            random.nextBytes(bytes);
            data.writeBytes(bytes);
            map.add(new SparseContent.Region(r[0], r[1]));
        }
        return Entry.file(b(path), 0644, 0, 0, 1_700_000_000L, size,
                new SparseContent(size, map, new ByteArrayInputStream(data.toByteArray())));
    }

    /** What a sparse entry's file holds, as bytes (for sizes that fit an array). */
    private static byte[] expand(Entry e) throws IOException {
        return e.content().readAllBytes();
    }

    private long spoolBytes() throws IOException {
        try (var files = Files.list(tmp)) {
            return files.filter(p -> p.getFileName().toString().contains(".kiln-spool")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    @Test
    void aTebibyteHoleCostsTheSpoolAndTheTarNothing() throws Exception {
        Tools.assumeTools("tar");
        Path archive = tmp.resolve("out.tar");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (SpooledTree tree = new SpooledTree(tmp, 0); OutputStream out = Files.newOutputStream(archive)) {
                tree.accept(Entry.directory(new byte[0], 0755, 0, 0, 0));
                tree.accept(sparse("big", 3 * TIB, new long[][] {{0, 10}, {TIB + 5, 100_000}, {3 * TIB - 1, 1}},
                        new Random(1)));
                assertThat(spoolBytes()).isEqualTo(100_011);
                TarWriter.write(tree, out, s -> { });
            }
        });
        assertThat(Files.size(archive)).isLessThan(200_000);
        assertThat(Tools.checkIn(tmp, "tar", "-tvf", archive.toString())).contains(" " + 3 * TIB + " ").contains("big");
        if (Tools.available("bsdtar")) {
            assertThat(Tools.checkIn(tmp, "bsdtar", "-tvf", archive.toString())).contains(" " + 3 * TIB + " ").contains("big");
        }
        // Kiln's own reader gets the regions back, widened to 512-byte blocks (see TarWriter.sparseFile).
        Random same = new Random(1);
        byte[] head = new byte[10];
        same.nextBytes(head);
        try (TarReader r = new TarReader(Files.newInputStream(archive), "out")) {
            Entry root = r.next();
            assertThat(root.type()).isEqualTo(EntryType.DIRECTORY);
            Entry big = r.next();
            assertThat(big.pathString()).isEqualTo("big");
            SparseContent c = (SparseContent) big.content();
            assertThat(c.regions()).containsExactly(new SparseContent.Region(0, 512),
                    new SparseContent.Region(TIB, 100_352), new SparseContent.Region(3 * TIB - 512, 512));
            byte[] first = c.readNBytes(512);
            assertThat(java.util.Arrays.copyOf(first, 10)).isEqualTo(head);
            assertThat(java.util.Arrays.copyOfRange(first, 10, 512)).isEqualTo(new byte[502]);
        }
    }

    @ParameterizedTest(name = "extracted by {0}")
    @ValueSource(strings = {"tar", "bsdtar"})
    void sparseFilesExtractSparseAndExact(String tool) throws Exception {
        Tools.assumeTools(tool);
        Tools.assumeTools("du");
        long size = 64L << 20;
        List<Entry> entries = List.of(
                Entry.directory(new byte[0], 0755, 0, 0, 0),
                sparse("d/holes", size, new long[][] {{0, 5}, {4090, 20}, {7 << 20, 100_000}, {size - 3, 3}},
                        new Random(2)),
                sparse("d/tailhole", size, new long[][] {{40_000, 1}}, new Random(3)),
                sparse("d/allhole", size, new long[][] {}, new Random(4)),
                sparse("d/" + "n".repeat(120), size, new long[][] {{1, 1}}, new Random(5)),
                new Entry(b("d/hardlink"), EntryType.HARDLINK, 0, 0, 0, 0, 0, Map.of(), b("d/holes"), 0, 0, 0, null));
        Path archive = tmp.resolve("out.tar");
        java.util.Map<String, byte[]> expected = new java.util.HashMap<>();
        try (SpooledTree tree = new SpooledTree(tmp, 0); OutputStream out = Files.newOutputStream(archive)) {
            for (Entry e : entries) {
                if (e.type() == EntryType.FILE) {
                    // Read the description twice: once to know the bytes, once to feed the tree.
                    SparseContent c = (SparseContent) e.content();
                    byte[] data = c.data().readAllBytes();
                    expected.put(e.pathString(), expand(e.withContent(e.size(),
                            new SparseContent(e.size(), c.regions(), new ByteArrayInputStream(data)))));
                    tree.accept(e.withContent(e.size(), new SparseContent(e.size(), c.regions(),
                            new ByteArrayInputStream(data))));
                } else {
                    tree.accept(e);
                }
            }
            TarWriter.write(tree, out, s -> { });
        }
        assertThat(Files.size(archive)).isLessThan(1 << 20);
        Path dir = Files.createDirectories(tmp.resolve("x"));
        Tools.checkIn(dir, tool, "-xf", archive.toString());
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            Path f = dir.resolve(e.getKey());
            assertThat(Files.readAllBytes(f)).as("%s by %s", e.getKey(), tool).isEqualTo(e.getValue());
            long allocatedKiB = Long.parseLong(Tools.checkIn(dir, "du", "-k", e.getKey()).split("\\s+")[0]);
            assertThat(allocatedKiB).as("%s allocated", e.getKey()).isLessThan(1024);
        }
        assertThat(Files.isSameFile(dir.resolve("d/holes"), dir.resolve("d/hardlink"))).isTrue();
    }

    @Test
    void theTeeHandsHolesToTheExt4WriterAsHoles() throws Exception {
        Tools.assumeTools("e2fsck", "debugfs");
        Path image = tmp.resolve("img.ext4");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (SpooledTree tree = new SpooledTree(tmp, 0);
                 FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.READ,
                         StandardOpenOption.WRITE)) {
                Ext4Writer writer = new Ext4Writer(ch, Ext4Options.defaults().withHeadroom(0.1, 0));
                TeeSink tee = new TeeSink(tree, new Ext4Sink(writer));
                tee.accept(sparse("big", 5 * TIB, new long[][] {{0, 10}, {4 * TIB, 8192}}, new Random(6)));
                writer.finish();
            }
        });
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /big")).contains("Size: " + 5 * TIB).contains("Blockcount: 24");
    }

    @Test
    void cpioWritesHolesOutInFull() throws Exception {
        Tools.assumeTools("cpio");
        Entry e = sparse("holes", 300_000, new long[][] {{5, 10}, {200_000, 5000}}, new Random(7));
        SparseContent c = (SparseContent) e.content();
        byte[] data = c.data().readAllBytes();
        byte[] whole = new SparseContent(e.size(), c.regions(), new ByteArrayInputStream(data)).readAllBytes();
        Path archive = tmp.resolve("out.cpio");
        try (SpooledTree tree = new SpooledTree(tmp, 0); OutputStream out = Files.newOutputStream(archive)) {
            tree.accept(e.withContent(e.size(), new SparseContent(e.size(), c.regions(), new ByteArrayInputStream(data))));
            CpioWriter.write(tree, out);
        }
        Path dir = Files.createDirectories(tmp.resolve("x"));
        Tools.checkIn(dir, "cpio", "-idm", "--quiet", "-F", archive.toString());
        assertThat(Files.readAllBytes(dir.resolve("holes"))).isEqualTo(whole);
    }

    @Test
    void cpioRefusesAFileOverFourGibibytesBeforeWritingIt() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> {
                    try (SpooledTree tree = new SpooledTree(tmp, 0)) {
                        tree.accept(sparse("huge", 1L << 50, new long[][] {{0, 1}}, new Random(8)));
                        CpioWriter.write(tree, OutputStream.nullOutputStream());
                    }
                }).isInstanceOf(KilnException.class)
                        .hasMessage("huge: 1125899906842624 bytes is too large for a cpio (newc) archive, whose limit is"
                                + " 4 GiB - 1"));
    }

    private void cpio(Entry... entries) throws IOException {
        try (SpooledTree tree = new SpooledTree(tmp, 0)) {
            for (Entry e : entries) {
                tree.accept(e);
            }
            CpioWriter.write(tree, OutputStream.nullOutputStream());
        }
    }

    @Test
    void cpioRefusesIdsPastThirtyTwoBitsInsteadOfKeepingTheLowBits() throws IOException {
        cpio(Entry.file(b("ok"), 0644, 4_294_967_295L, 4_294_967_295L, 0, 0, InputStream.nullInputStream()));
        assertThatThrownBy(() -> cpio(Entry.file(b("a/f"), 0644, 1L << 32, 0, 0, 0, InputStream.nullInputStream())))
                .isInstanceOf(KilnException.class)
                .hasMessage("a/f: uid 4294967296 is beyond a cpio (newc) archive's limit of 4294967295");
        assertThatThrownBy(() -> cpio(Entry.directory(b("d"), 0755, 0, -1, 0)))
                .isInstanceOf(KilnException.class).hasMessage("d: gid -1 is beyond a cpio (newc) archive's limit of 4294967295");
    }

    /** newc times are unsigned 32-bit seconds: outside, the nearest is stored and one warning says how many. */
    @Test
    void cpioClampsTimesOutsideItsRangeAndSaysSoOnce() throws IOException {
        List<String> warnings = new ArrayList<>();
        ByteArrayOutputStream cpio = new ByteArrayOutputStream();
        try (SpooledTree tree = new SpooledTree(tmp, 0)) {
            tree.accept(Entry.file(b("init"), 0755, 0, 0, 1_700_000_000L, 0, InputStream.nullInputStream()));
            tree.accept(Entry.file(b("before-1970"), 0644, 0, 0, -86_400L, 0, InputStream.nullInputStream()));
            tree.accept(Entry.file(b("in-2400"), 0644, 0, 0, 13_569_465_600L, 0, InputStream.nullInputStream()));
            new TreeOutputs(tree, false, warnings::add).initramfs(cpio, "r.cpio", Compression.NONE);
        }
        Map<String, Long> times = new java.util.HashMap<>();
        try (var in = new org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream(
                new ByteArrayInputStream(cpio.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                times.put(e.getName(), e.getTime());   // seconds, as in the archive
            }
        }
        assertThat(times).containsEntry("init", 1_700_000_000L).containsEntry("before-1970", 0L)
                .containsEntry("in-2400", 4_294_967_295L);
        assertThat(warnings).hasSize(1).first().asString().startsWith("r.cpio: 2 times outside cpio's range "
                + "(1970-01-01T00:00:00Z .. 2106-02-07T06:28:15Z) clamped to it; the first: /");
    }

    @Test
    void cpioRefusesNamesTheKernelWouldSkip() throws IOException {
        String fits = "d/".repeat(2046) + "abc"; // 4,095 bytes: with its NUL, exactly PATH_MAX
        assertThat(fits).hasSize(4095);
        cpio(Entry.file(b(fits), 0644, 0, 0, 0, 0, InputStream.nullInputStream()));
        String over = "d/".repeat(2046) + "abcd";
        assertThatThrownBy(() -> cpio(Entry.file(b(over), 0644, 0, 0, 0, 0, InputStream.nullInputStream())))
                .isInstanceOf(KilnException.class)
                .hasMessageEndingWith(": a path of 4096 bytes is too long for an initramfs: the kernel skips names"
                        + " over 4095 bytes")
                .hasMessageStartingWith("d/d/d/").hasMessageContaining("...");
        cpio(Entry.symlink(b("l"), b("t".repeat(4096)), 0, 0, 0));
        assertThatThrownBy(() -> cpio(Entry.symlink(b("l"), b("t".repeat(4097)), 0, 0, 0)))
                .isInstanceOf(KilnException.class).hasMessageStartingWith("l: a symlink target of 4097 bytes");
    }

    @Test
    void sixThousandLevelsGoToTarAndAreRefusedClearlyByCpio() throws Exception {
        Tools.assumeTools("tar");
        String leaf = "d/".repeat(5999) + "leaf";
        Path archive = tmp.resolve("deep.tar");
        try (SpooledTree tree = new SpooledTree(tmp, 0); OutputStream out = Files.newOutputStream(archive)) {
            tree.accept(Entry.file(b(leaf), 0644, 0, 0, 0, 5, new ByteArrayInputStream(b("leaf\n"))));
            TarWriter.write(tree, out, s -> { });
            assertThat(tree.linkCounts()).hasSize(1);
            assertThatThrownBy(() -> CpioWriter.write(tree, OutputStream.nullOutputStream()))
                    .isInstanceOf(KilnException.class).hasMessageContaining("too long for an initramfs");
        }
        assertThat(Tools.checkIn(tmp, "tar", "-tf", archive.toString()).lines().filter(l -> l.endsWith("/leaf")).toList())
                .containsExactly(leaf);
    }
}
