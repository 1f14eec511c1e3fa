package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sizing rules, determinism, and what other tools (resize2fs, tune2fs, dumpe2fs) make of the image. */
class SizingAndToolsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    private static List<Item> tree(long seed) {
        Random r = new Random(seed);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] content = new byte[r.nextInt(20000)];
            r.nextBytes(content);
            items.add(file("d" + (i % 7) + "/f" + i, attrs(0644), content));
        }
        items.add(symlink("d1/link", "f1"));
        items.add(hardLink("d2/hard", "d0/f0"));
        return items;
    }

    @Test
    void sameInputGivesByteIdenticalImagesAndDerivedUuid() throws Exception {
        Path a = tmp.resolve("a");
        Path c = tmp.resolve("c");
        Ext4Summary sa = build(a, options(), tree(1));
        Ext4Summary sc = build(c, options(), tree(1));
        assertThat(Files.mismatch(a, c)).isEqualTo(-1);
        assertThat(sa.uuid()).isEqualTo(sc.uuid());
        Path d = tmp.resolve("d");
        Ext4Summary sd = build(d, options(), tree(2));
        assertThat(sd.uuid()).isNotEqualTo(sa.uuid());
        assertClean(a);
    }

    @Test
    void fitSizeLeavesHeadroom() throws Exception {
        Path img = tmp.resolve("img");
        byte[] big = new byte[30 << 20];
        new Random(3).nextBytes(big);
        Ext4Summary s = build(img, Ext4Options.defaults().withCreationTime(0).withHeadroom(0.25, 64L << 20),
                items(file("big", attrs(0644), big)));
        assertClean(img);
        assertThat(Files.size(img)).isEqualTo(s.sizeBytes()).isEqualTo(s.blockCount() * 4096);
        assertThat(s.freeBlocks() * 4096).isGreaterThanOrEqualTo(64L << 20);
        assertThat(s.sizeBytes()).isLessThan(120L << 20);
        // Sparse: the free space is holes, so far fewer bytes are allocated than the size.
        long allocated = Long.parseLong(run("stat", "-c", "%b", img.toString()).output().trim()) * 512;
        assertThat(allocated).isLessThan(s.sizeBytes() - (32L << 20));
    }

    @Test
    void exactSizeIsHonouredAndTooSmallSaysHowMuchIsNeeded() throws Exception {
        Path img = tmp.resolve("img");
        byte[] data = new byte[20 << 20];
        new Random(4).nextBytes(data);
        Ext4Summary s = build(img, options().withSizeBytes(200L << 20), items(file("data", attrs(0644), data)));
        assertClean(img);
        assertThat(Files.size(img)).isEqualTo(200L << 20);
        assertThat(s.blockCount()).isEqualTo((200L << 20) / 4096);
        assertThat(cat(img, "data")).isEqualTo(data);
        assertThatThrownBy(() -> build(tmp.resolve("small"), options().withSizeBytes(10L << 20),
                items(file("data", attrs(0644), data))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessageMatching("content does not fit: needs at least 2\\d MiB \\(--size is 10 MiB\\)");
    }

    @Test
    void exactSizeWithSeveralGroupsAndATrimmedTinyLastGroup() throws Exception {
        Path img = tmp.resolve("img");
        long size = 3L * 128 * 1024 * 1024 + 40 * 4096; // three groups and a 40-block tail mke2fs would drop
        Ext4Summary s = build(img, options().withSizeBytes(size), tree(5));
        assertClean(img);
        assertThat(s.blockCount()).isEqualTo(3L * 32768);
        assertThat(Files.size(img)).isEqualTo(size);
    }

    @Test
    void tinyExactSizeGetsNoJournalAndNoResizeInode() throws Exception {
        Path img = tmp.resolve("img");
        Ext4Summary s = build(img, options().withSizeBytes(1L << 20), items(file("f", attrs(0644), b("tiny"))));
        assertClean(img);
        assertThat(s.blockCount()).isEqualTo(256);
        assertThat(run("tune2fs", "-l", img.toString()).output()).contains("Filesystem features:").doesNotContain("has_journal");
        assertThat(new String(cat(img, "f"))).isEqualTo("tiny");
    }

    @Test
    void inodeCountOverride() throws Exception {
        Path img = tmp.resolve("img");
        Ext4Summary s = build(img, options().withInodeCount(5000), tree(6));
        assertClean(img);
        assertThat(s.inodeCount()).isBetween(5000L, 5000L + 16);
    }

    @Test
    void labelUuidAndJournalAreVisibleToTools() throws Exception {
        Path img = tmp.resolve("img");
        byte[] uuid = new byte[16];
        for (int i = 0; i < 16; i++) {
            uuid[i] = (byte) (0x10 + i);
        }
        build(img, options().withLabel("my-root").withUuid(uuid), tree(7));
        assertClean(img);
        Result t = run("tune2fs", "-l", img.toString());
        assertThat(t.output()).contains("Filesystem volume name:   my-root")
                .contains("Filesystem UUID:          10111213-1415-1617-1819-1a1b1c1d1e1f")
                .contains("has_journal").contains("metadata_csum").contains("resize_inode");
        assertThat(run("dumpe2fs", "-h", img.toString()).output()).contains("Total journal size:       4096k").contains("Journal start:            0");
        assertThat(debugfs(img, "logdump")).contains("Journal starts at block 0, transaction 1");
        Path nj = tmp.resolve("nj");
        build(nj, options().withJournal(false), tree(7));
        assertClean(nj);
        assertThat(run("tune2fs", "-l", nj.toString()).output()).contains("Filesystem features:").doesNotContain("has_journal");
    }

    @Test
    void resize2fsGrowsAnImageMadeWithoutSize() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(have("resize2fs"), "resize2fs not installed");
        Path img = tmp.resolve("img");
        build(img, options(), tree(8));
        Result r = run("resize2fs", img.toString(), "2G");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertClean(img);
        assertThat(run("dumpe2fs", "-h", img.toString()).output()).contains("Block count:              524288");
        assertThat(cat(img, "d0/f7")).isNotEmpty();
    }

    @Test
    void mountedReadWriteTheKernelCanWrite() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "loop mount needs root");
        Path img = tmp.resolve("img");
        build(img, options(), tree(9));
        Path dir = Files.createTempDirectory("kiln-rw");
        try {
            Result m = run("mount", "-t", "ext4", "-o", "loop,rw", img.toString(), dir.toString());
            assertThat(m.exitCode()).as(m.output()).isZero();
            try {
                Files.writeString(dir.resolve("d0/new"), "written by the kernel");
                Files.createDirectories(dir.resolve("x/y/z"));
                Files.delete(dir.resolve("d1/f1"));
            } finally {
                assertThat(run("umount", dir.toString()).exitCode()).isZero();
            }
        } finally {
            Files.deleteIfExists(dir);
        }
        assertClean(img);
        assertThat(new String(cat(img, "d0/new"))).isEqualTo("written by the kernel");
    }

    static void unused() throws IOException {
    }
}
