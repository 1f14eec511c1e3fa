package dev.kiln.entry;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class SparseContentTest {
    private static SparseContent.Region region(long offset, long length) {
        return new SparseContent.Region(offset, length);
    }

    @Test
    void readsEveryByteWithZerosInTheHoles() throws IOException {
        byte[] data = "abcdefgh".getBytes();
        SparseContent c = new SparseContent(20, List.of(region(2, 3), region(5, 0), region(10, 5)),
                new ByteArrayInputStream(data));
        assertThat(c.hasHoles()).isTrue();
        assertThat(c.dataSize()).isEqualTo(8);
        byte[] expected = new byte[20];
        System.arraycopy(data, 0, expected, 2, 3);
        System.arraycopy(data, 3, expected, 10, 5);
        assertThat(c.readAllBytes()).isEqualTo(expected);
        assertThat(c.read()).isEqualTo(-1);
    }

    @Test
    void randomReadsAndSkipsAgreeWithTheWholeFile() throws IOException {
        Random r = new Random(5);
        for (int round = 0; round < 200; round++) {
            int size = 1 + r.nextInt(5000);
            byte[] whole = new byte[size];
            java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
            java.util.ArrayList<SparseContent.Region> regions = new java.util.ArrayList<>();
            for (int pos = r.nextInt(50); pos < size; pos += 1 + r.nextInt(300)) {
                int len = Math.min(size - pos, r.nextInt(200));
                byte[] b = new byte[len];
                r.nextBytes(b);
                System.arraycopy(b, 0, whole, pos, len);
                data.writeBytes(b);
                regions.add(region(pos, len));
                pos += len;
            }
            SparseContent c = new SparseContent(size, regions, new ByteArrayInputStream(data.toByteArray()));
            int at = 0;
            while (at < size) {
                if (r.nextBoolean()) {
                    long n = c.skip(r.nextInt(400));
                    at += (int) n;
                } else {
                    byte[] buf = new byte[1 + r.nextInt(300)];
                    int n = c.read(buf, 0, buf.length);
                    assertThat(buf).startsWith(java.util.Arrays.copyOfRange(whole, at, at + n));
                    at += n;
                }
            }
            assertThat(c.read()).isEqualTo(-1);
        }
    }

    @Test
    void skippingAPebibyteHoleTakesNoTime() {
        long size = 1L << 50;
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            SparseContent c = new SparseContent(size, List.of(region(0, 1), region(size - 2, 2)),
                    new ByteArrayInputStream("xyz".getBytes()));
            assertThat(c.read()).isEqualTo('x');
            assertThat(c.skip(size)).isEqualTo(size - 1);
            assertThat(c.read()).isEqualTo(-1);
            SparseContent d = new SparseContent(size, List.of(region(0, 1), region(size - 2, 2)),
                    new ByteArrayInputStream("xyz".getBytes()));
            assertThat(d.skip(size - 2)).isEqualTo(size - 2);
            assertThat(new String(d.readAllBytes())).isEqualTo("yz");
        });
    }

    @Test
    void dataEndingEarlyIsAnError() {
        SparseContent c = new SparseContent(100, List.of(region(10, 20)), new ByteArrayInputStream(new byte[5]));
        assertThatThrownBy(c::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("ended");
    }

    @Test
    void badMapsSayWhatIsWrong() {
        assertThat(SparseContent.problem(10, List.of(region(0, 5), region(5, 5)))).isNull();
        assertThat(SparseContent.problem(10, List.of(region(10, 0)))).isNull();
        assertThat(SparseContent.problem(10, List.of(region(0, 5), region(4, 1))))
                .isEqualTo("corrupt sparse map (entry 1: offset 4, length 1)");
        assertThat(SparseContent.problem(10, List.of(region(0, 11)))).isNotNull();
        assertThat(SparseContent.problem(10, List.of(region(11, 0)))).isNotNull();
        assertThat(SparseContent.problem(10, List.of(region(-1, 1)))).isNotNull();
        assertThat(SparseContent.problem(Long.MAX_VALUE, List.of(region(Long.MAX_VALUE - 1, Long.MAX_VALUE)))).isNotNull();
        assertThat(SparseContent.problem(-1, List.of())).isEqualTo("negative sparse file size");
        assertThatThrownBy(() -> new SparseContent(10, List.of(region(0, 11)), java.io.InputStream.nullInputStream()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
