package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Files given as data regions: holes cost nothing, and the result is the file the regions describe. */
class SparseFileTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    /** A sparse file: the regions, the bytes they hold back to back, and the whole file. */
    private record Sparse(List<DataRegion> regions, byte[] data, byte[] whole) {
        Item write(String path) {
            return w -> w.file(b(path), attrs(0644), whole.length, regions, new ByteArrayInputStream(data));
        }
    }

    /** Random regions, some sharing a block, some starting or ending mid-block, some holding zeros. */
    private static Sparse random(long seed, int size) {
        Random r = new Random(seed);
        byte[] whole = new byte[size];
        List<DataRegion> regions = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int pos = r.nextInt(3) == 0 ? 0 : r.nextInt(9000);
        while (pos < size) {
            int len = Math.min(size - pos, 1 + r.nextInt(r.nextBoolean() ? 300 : 20_000));
            byte[] bytes = new byte[len];
            if (r.nextInt(4) > 0) { // else a region of zeros: still a hole in the image
                r.nextBytes(bytes);
            }
            System.arraycopy(bytes, 0, whole, pos, len);
            data.writeBytes(bytes);
            regions.add(new DataRegion(pos, len));
            pos += len + (r.nextBoolean() ? r.nextInt(200) : r.nextInt(40_000));
        }
        return new Sparse(regions, data.toByteArray(), whole);
    }

    private static String extents(Path image, String path) {
        String stat = debugfs(image, "stat /" + path);
        return stat.substring(stat.indexOf("EXTENTS:"));
    }

    @Test
    void regionsGiveTheFileTheyDescribeWithTheBlocksADenseCopyWouldGet() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            Sparse s = random(seed, 300_000 + (int) seed * 7919);
            Path sparse = tmp.resolve("sparse" + seed);
            Path dense = tmp.resolve("dense" + seed);
            build(sparse, options(), items(file("before", attrs(0644), b("x")), s.write("f")));
            build(dense, options(), items(file("before", attrs(0644), b("x")), file("f", attrs(0644), s.whole())));
            assertClean(sparse);
            assertThat(cat(sparse, "f")).as("seed %d", seed).isEqualTo(s.whole());
            assertThat(extents(sparse, "f")).as("seed %d", seed).isEqualTo(extents(dense, "f"));
        }
    }

    @Test
    void aMapWithoutHolesIsTheDenseFileByteForByte() throws Exception {
        byte[] content = new byte[50_000];
        new Random(7).nextBytes(content);
        Path dense = tmp.resolve("dense");
        Path mapped = tmp.resolve("mapped");
        Path split = tmp.resolve("split");
        build(dense, options(), items(file("f", attrs(0644), content)));
        build(mapped, options(), items(w -> w.file(b("f"), attrs(0644), content.length,
                List.of(new DataRegion(0, content.length)), new ByteArrayInputStream(content))));
        // Touching and empty regions (GNU tar ends a map with one) describe the same file.
        build(split, options(), items(w -> w.file(b("f"), attrs(0644), content.length,
                List.of(new DataRegion(0, 1000), new DataRegion(1000, 0), new DataRegion(1000, 49_000),
                        new DataRegion(content.length, 0)), new ByteArrayInputStream(content))));
        assertThat(Files.mismatch(dense, mapped)).isEqualTo(-1);
        assertThat(Files.mismatch(dense, split)).isEqualTo(-1);
    }

    /**
     * The image depends on what lands on disk, not on how the holes were described: zeros the
     * writer stores as a hole and a hole, or a byte-exact map (a tar's) and the block-wise map
     * of the image it made (an ext4 reader's), give the same bytes, UUID included. That is what
     * lets an image read back and written again come out the same. Data at another place does not.
     */
    @Test
    void theImageDependsOnTheBlocksNotOnHowTheHolesWereDescribed() throws Exception {
        byte[] zeros = new byte[8192];
        Ext4Summary dense = build(tmp.resolve("a"), options(), items(file("f", attrs(0644), zeros)));
        Ext4Summary holes = build(tmp.resolve("b"), options(), items(w -> w.file(b("f"), attrs(0644), 8192, List.of(),
                new ByteArrayInputStream(new byte[0]))));
        assertThat(holes.uuid()).isEqualTo(dense.uuid());
        assertThat(Files.mismatch(tmp.resolve("a"), tmp.resolve("b"))).isEqualTo(-1);
        assertClean(tmp.resolve("b"));
        assertThat(cat(tmp.resolve("b"), "f")).isEqualTo(zeros);

        // "data" 4 bytes into block 2 of 5, as a tar map says it; and as the block the image holds
        byte[] block = new byte[4096];
        System.arraycopy(b("data"), 0, block, 100, 4);
        build(tmp.resolve("exact"), options(), items(w -> w.file(b("f"), attrs(0644), 5 * 4096,
                List.of(new DataRegion(2 * 4096 + 100, 4)), new ByteArrayInputStream(b("data")))));
        build(tmp.resolve("blocks"), options(), items(w -> w.file(b("f"), attrs(0644), 5 * 4096,
                List.of(new DataRegion(2 * 4096, 4096)), new ByteArrayInputStream(block))));
        assertThat(Files.mismatch(tmp.resolve("exact"), tmp.resolve("blocks"))).isEqualTo(-1);
        Ext4Summary moved = build(tmp.resolve("moved"), options(), items(w -> w.file(b("f"), attrs(0644), 5 * 4096,
                List.of(new DataRegion(3 * 4096, 4096)), new ByteArrayInputStream(block))));
        assertThat(moved.uuid()).isNotEqualTo(build(tmp.resolve("exact2"), options(), items(w -> w.file(b("f"),
                attrs(0644), 5 * 4096, List.of(new DataRegion(2 * 4096 + 100, 4)),
                new ByteArrayInputStream(b("data"))))).uuid());
    }

    @Test
    void severalTebibytesOfHolesCostNothing() throws Exception {
        long size = 5L << 40;
        byte[] head = b("head");
        byte[] middle = new byte[10_000];
        new Random(9).nextBytes(middle);
        byte[] tail = b("tail");
        long middleAt = (3L << 40) + 123;
        List<DataRegion> regions = List.of(new DataRegion(0, head.length), new DataRegion(middleAt, middle.length),
                new DataRegion(size - tail.length, tail.length));
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(head);
        data.writeBytes(middle);
        data.writeBytes(tail);
        Path img = tmp.resolve("img");
        Ext4Summary s = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> build(img, options(),
                items(w -> w.file(b("big"), attrs(0644), size, regions, new ByteArrayInputStream(data.toByteArray())))));
        assertClean(img);
        assertThat(s.sizeBytes()).isLessThan(200L << 20);
        String stat = debugfs(img, "stat /big");
        assertThat(stat).contains("Size: " + size).contains("Blockcount: " + 5 * 8); // 1 + 3 (10,000 bytes from 123) + 1
        long middleBlock = middleAt / 4096;
        assertThat(debugfs(img, "bmap /big " + middleBlock).trim()).isNotEqualTo("0");
        assertThat(debugfs(img, "bmap /big " + (middleBlock - 1)).trim()).endsWith("0");
        assertThat(debugfs(img, "bmap /big " + (size / 4096 - 1)).trim()).isNotEqualTo("0");
    }

    @Test
    void badMapsAreRefusedNamingThePath() {
        String[][] cases = {
                {"-1", "10", "x"}, {"0", "-1", "x"}, {"90", "20", "x"}, {"101", "0", "x"}};
        for (String[] c : cases) {
            DataRegion bad = new DataRegion(Long.parseLong(c[0]), Long.parseLong(c[1]));
            assertThatThrownBy(() -> build(tmp.resolve("img"), options(), items(w -> w.file(b("d/f"), attrs(0644),
                    100, List.of(bad), new ByteArrayInputStream(new byte[100])))))
                    .as("%s", bad).isInstanceOf(Ext4Exception.class)
                    .hasMessageStartingWith("d/f: data region 0 (offset " + c[0] + ", length " + c[1] + ")")
                    .hasMessageContaining("100 bytes");
        }
        assertThatThrownBy(() -> build(tmp.resolve("img"), options(), items(w -> w.file(b("d/f"), attrs(0644), 100,
                List.of(new DataRegion(0, 50), new DataRegion(40, 10)), new ByteArrayInputStream(new byte[60])))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("d/f: data region 1 (offset 40, length 10)");
    }

    @Test
    void dataShorterThanTheRegionsIsAnError() {
        assertThatThrownBy(() -> build(tmp.resolve("img"), options(), items(w -> w.file(b("f"), attrs(0644), 1 << 20,
                List.of(new DataRegion(5000, 100), new DataRegion(900_000, 100)), new ByteArrayInputStream(new byte[150])))))
                .isInstanceOf(Ext4Exception.class).hasMessage("f: content ended after 150 of 200 bytes");
    }
}
