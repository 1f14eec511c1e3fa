package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Big directories (htree), many subdirectories (dir_nlink) and a file over 2 GiB. */
class LargeTreeTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    @ParameterizedTest
    @ValueSource(ints = {10_000, 50_000})
    void bigDirectoryGetsAHashIndex(int entries) throws Exception {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            String name = "big/file-with-a-longish-name-" + i;
            items.add(i % 10 == 0 ? symlink(name, "t" + i) : file(name, attrs(0644), new byte[0]));
        }
        Path img = tmp.resolve("img");
        build(img, options(), items);
        assertClean(img);
        assertThat(debugfs(img, "stat /big")).contains("Flags: 0x81000");
        assertThat(debugfs(img, "htree /big")).contains("Root node dump:");
        assertThat(debugfs(img, "stat /big/file-with-a-longish-name-" + (entries - 1))).contains("Type: regular");
        withMount(img, root -> {
            try (var s = Files.list(root.resolve("big"))) {
                assertThat(s.count()).isEqualTo(entries);
            }
            assertThat(Files.readSymbolicLink(root.resolve("big/file-with-a-longish-name-" + (entries - 10)))
                    .toString()).isEqualTo("t" + (entries - 10));
        });
    }

    @Test
    @Tag("slow")
    void moreThan65000SubdirectoriesUseDirNlink() throws Exception {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 65_001; i++) {
            items.add(dir("many/d" + i, attrs(0755)));
        }
        Path img = tmp.resolve("img");
        build(img, options(), items);
        assertClean(img);
        assertThat(debugfs(img, "stat /many")).contains("Links: 1");
        assertThat(debugfs(img, "stat /many/d65000")).contains("Links: 2");
    }

    @Test
    @Tag("slow")
    void sixtyFiveThousandHardLinksAndNotOneMore() throws Exception {
        List<Item> items = new ArrayList<>();
        items.add(file("links/l0", attrs(0644), b("shared")));
        for (int i = 1; i < Ext4Writer.MAX_LINKS; i++) {
            items.add(hardLink("links/l" + i, "links/l0"));
        }
        Path img = tmp.resolve("img");
        build(img, options(), items);
        assertClean(img);
        assertThat(debugfs(img, "stat /links/l64999")).contains("Links: 65000");
        items.add(hardLink("links/one-more", "links/l0"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> build(tmp.resolve("img2"), options(), items))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("links/one-more: more than 65000 hard links");
    }

    @Test
    @Tag("slow")
    void aMillionFilesFitInAOneGibHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path img = tmp.resolve("img");
        Result r = run(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"), MillionFiles.class.getName(),
                img.toString(), "1000000", "empty");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("inodes=");
        assertClean(img);
        assertThat(debugfs(img, "stat /usr/share/d999/file-999999")).contains("Type: regular");
    }

    /**
     * A cheap non-zero pattern: a fixed 1 MiB of non-zero bytes with each 4 KiB block stamped
     * with its own index, so no block is all zeros and no two blocks are alike.
     */
    static final class Pattern extends InputStream {
        private static final byte[] BASE = new byte[1 << 20];

        static {
            for (int i = 0; i < BASE.length; i++) {
                BASE[i] = (byte) ((i * 31 + (i >>> 12) * 7) | 1);
            }
        }

        private long pos;
        private final long size;

        Pattern(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int done = 0; done < n; ) {
                int at = (int) ((pos + done) % BASE.length);
                int k = Math.min(n - done, BASE.length - at);
                System.arraycopy(BASE, at, b, off + done, k);
                done += k;
            }
            for (long p = pos / 4096 * 4096; p < pos + n; p += 4096) { // stamp block starts
                long block = (p / 4096) | (1L << 62);
                for (int i = 0; i < 8; i++) {
                    if (p + i >= pos && p + i < pos + n) {
                        b[off + (int) (p + i - pos)] = (byte) (block >>> (8 * i));
                    }
                }
            }
            pos += n;
            return n;
        }
    }

    @Test
    @Tag("slow")
    void fileOverTwoGibOfNonZeroData() throws Exception {
        long size = 2560L << 20;
        Path img = tmp.resolve("img");
        build(img, options(), items(file("huge", attrs(0644), size, new Pattern(size))));
        assertClean(img);
        assertThat(debugfs(img, "stat /huge")).contains("Size: " + size).contains("Blockcount: " + (size / 512 + 8)); // + one extent leaf block
        Path dump = tmp.resolve("dump");
        debugfs(img, "dump /huge " + dump);
        assertThat(Files.size(dump)).isEqualTo(size);
        assertThat(crc(Files.newInputStream(dump))).isEqualTo(crc(new Pattern(size)));
        Files.delete(dump);
    }

    private static long crc(InputStream in) throws IOException {
        try (in) {
            CRC32C c = new CRC32C();
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                c.update(buf, 0, n);
            }
            return c.getValue();
        }
    }
}
