package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Compressed archives made by gzip, zstd and bzip2, detected by content, decompressed on a thread. */
class DecompressTest {
    @TempDir
    static Path tmp;
    static Map<String, String> expected;
    static final Listing.Options OPTIONS = new Listing.Options(true, false);

    @BeforeAll
    static void tree() {
        Tools.bash(tmp, """
                mkdir src && cd src && mkdir d
                for i in $(seq 40); do head -c $((i * 997)) /dev/urandom > d/f$i; done
                seq 30000 > counting
                tar --format=pax --numeric-owner -cf ../t.tar .
                """);
        expected = Listing.scan(tmp.resolve("src"), OPTIONS);
    }

    private Map<String, String> read(Path file) throws IOException {
        try (TarReader r = new TarReader(Decompress.open(Files.newInputStream(file), "tar:" + file.getFileName()),
                "tar:" + file.getFileName())) {
            return Listing.read(r, OPTIONS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cat", "gzip -c", "gzip -1c", "zstd -qc", "bzip2 -c"})
    void detectsByContent(String compressor) throws IOException {
        assumeTrue(Tools.available(compressor.split(" ")[0]), compressor + " is not installed");
        Tools.bash(tmp, compressor + " t.tar > t.out");
        assertThat(read(tmp.resolve("t.out"))).containsExactlyEntriesOf(expected);
    }

    @Test
    void multiMemberGzip() throws IOException {
        // Members split mid-entry, as pigz/concatenation produce them.
        Tools.bash(tmp, "set +o pipefail; head -c 100001 t.tar | gzip -c > m.gz; tail -c +100002 t.tar | head -c 77777 | gzip -c >> m.gz;"
                + " tail -c +177779 t.tar | gzip -c >> m.gz; gzip -t m.gz");
        assertThat(read(tmp.resolve("m.gz"))).containsExactlyEntriesOf(expected);
    }

    @Test
    void corruptGzipNamesTheInput() throws IOException {
        Tools.bash(tmp, "gzip -c t.tar > t.tar.gz");
        byte[] gz = Files.readAllBytes(tmp.resolve("t.tar.gz"));
        for (int i = gz.length / 2; i < gz.length / 2 + 64; i++) {
            gz[i] ^= 0x55;
        }
        Files.write(tmp.resolve("bad.tar.gz"), gz);
        assertThatThrownBy(() -> read(tmp.resolve("bad.tar.gz")))
                .hasMessageStartingWith("tar:bad.tar.gz: corrupt gzip data");
        Files.write(tmp.resolve("cut.tar.gz"), Arrays.copyOf(Files.readAllBytes(tmp.resolve("t.tar.gz")), gz.length / 2));
        assertThatThrownBy(() -> read(tmp.resolve("cut.tar.gz")))
                .hasMessageMatching("tar:cut\\.tar\\.gz: truncated gzip data \\(tar byte \\d+, in .+\\)");
    }

    @Test
    void corruptZstdNamesTheInput() throws IOException {
        Tools.bash(tmp, "zstd -qc t.tar > t.tar.zst");
        byte[] z = Files.readAllBytes(tmp.resolve("t.tar.zst"));
        Files.write(tmp.resolve("cut.tar.zst"), Arrays.copyOf(z, z.length / 2));
        assertThatThrownBy(() -> read(tmp.resolve("cut.tar.zst")))
                .hasMessageStartingWith("tar:cut.tar.zst: ");
        for (int i = z.length / 2; i < z.length / 2 + 64; i++) {
            z[i] ^= 0x55;
        }
        Files.write(tmp.resolve("bad.tar.zst"), z);
        assertThatThrownBy(() -> read(tmp.resolve("bad.tar.zst")))
                .hasMessageStartingWith("tar:bad.tar.zst: corrupt zstd data");
    }

    /** A pipe: each part in reads of its own, never more ready than the current part's rest. */
    private static InputStream pipe(byte[]... parts) {
        return new InputStream() {
            int part;
            int pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                while (part < parts.length && pos == parts[part].length) {
                    part++;
                    pos = 0;
                }
                if (part == parts.length) {
                    return -1;
                }
                int n = Math.min(len, parts[part].length - pos);
                System.arraycopy(parts[part], pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    private Map<String, String> read(InputStream in, String label) throws IOException {
        try (TarReader r = new TarReader(Decompress.open(in, label), label)) {
            return Listing.read(r, OPTIONS);
        }
    }

    @Test
    void multiMemberGzipFromAPipeIsReadToItsLastMember() throws IOException {
        // The JDK's GZIPInputStream looks for another member only when available() > 0: on a
        // pipe that is 0 at a member boundary, and it reported a clean end after the first
        // member. Split at an entry boundary, that was a shorter tree and no error.
        int split = RawTar.headerOffsets(Files.readAllBytes(tmp.resolve("t.tar"))).stream()
                .filter(at -> at > 8192).findFirst().orElseThrow();
        Tools.bash(tmp, "set +o pipefail; head -c $1 t.tar | gzip -c > p1.gz; tail -c +$(($1 + 1)) t.tar | gzip -c > p2.gz",
                String.valueOf(split));
        byte[] p1 = Files.readAllBytes(tmp.resolve("p1.gz"));
        byte[] p2 = Files.readAllBytes(tmp.resolve("p2.gz"));
        assertThat(read(pipe(p1, p2), "tar:-")).containsExactlyEntriesOf(expected);
    }

    @Test
    void dataAfterTheLastGzipMemberIsAnError() throws IOException {
        Tools.bash(tmp, "gzip -c t.tar > t.tar.gz");
        byte[] gz = Files.readAllBytes(tmp.resolve("t.tar.gz"));
        // GNU gzip warns ("trailing garbage ignored", exit 2, fatal for GNU tar), Go fails:
        // the JDK dropped it silently. It may be a damaged member: refuse it.
        byte[] garbage = concat(gz, "garbage!".getBytes());
        assertThatThrownBy(() -> read(pipe(garbage), "tar:g.tar.gz"))
                .isInstanceOf(KilnException.class)
                .hasMessageMatching("tar:g\\.tar\\.gz: unexpected data after the end of the gzip stream at compressed byte "
                        + gz.length + " \\(tar byte \\d+, after .+\\)");
        byte[] badMember = concat(gz, new byte[] {0x1f, (byte) 0x8b, 'j', 'u', 'n', 'k'});
        assertThatThrownBy(() -> read(pipe(badMember), "tar:m.tar.gz"))
                .isInstanceOf(KilnException.class)
                .hasMessageMatching("tar:m\\.tar\\.gz: corrupt gzip data: unsupported compression method \\(tar byte \\d+, after .+\\)");
        byte[] zerosThenData = concat(gz, new byte[100], new byte[] {1});
        assertThatThrownBy(() -> read(pipe(zerosThenData), "tar:z.tar.gz"))
                .hasMessageStartingWith("tar:z.tar.gz: unexpected data after the end of the gzip stream at compressed byte "
                        + gz.length + " (tar byte ");
        // NUL padding up to the end is what GNU gzip skips silently (tape blocking): so does Kiln.
        assertThat(read(pipe(gz, new byte[1000]), "tar:p.tar.gz")).containsExactlyEntriesOf(expected);
    }

    @Test
    void aDecodingErrorNamesTheEntryItStruckIn() throws IOException {
        // Decompression runs ahead on the prefetcher's thread; its error still arrives where it belongs.
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            text.append(i).append('\n');
        }
        byte[] tar = new RawTar().file("before", "x").file("middle", text.toString()).file("after", "y").end().bytes();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(tar);
        }
        byte[] gz = out.toByteArray();
        for (int i = gz.length * 2 / 5; i < gz.length * 2 / 5 + 16; i++) {
            gz[i] ^= 0x55;
        }
        assertThatThrownBy(() -> read(pipe(gz), "tar:c.tar.gz"))
                .isInstanceOf(KilnException.class)
                .hasMessageMatching("tar:c\\.tar\\.gz: corrupt gzip data \\(tar byte \\d+, in middle\\)");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void plainTarWhoseFirstNameLooksLikeAMagic() throws IOException {
        Tools.bash(tmp, "mkdir m && printf data > \"m/$(printf '\\037\\213x')\" && tar -C m -cf magic.tar \"$(printf '\\037\\213x')\"");
        assertThat(read(tmp.resolve("magic.tar"))).containsOnlyKeys("\\x1f\\x8bx");
        assertThat(Decompress.detect(Arrays.copyOf(Files.readAllBytes(tmp.resolve("magic.tar")), 512))).isEqualTo(Decompress.Format.PLAIN);
    }

    @Test
    void xzIsRefusedClearly() throws IOException {
        assumeTrue(Tools.available("xz"), "xz is not installed");
        Tools.bash(tmp, "xz -c t.tar > t.tar.xz");
        assertThatThrownBy(() -> read(tmp.resolve("t.tar.xz")))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith("tar:t.tar.xz: xz-compressed input is not supported");
    }

    @Test
    void errorsOfTheRawStreamPassThrough() throws IOException {
        Tools.bash(tmp, "gzip -c t.tar > t.tar.gz");
        InputStream failing = new FilterInputStream(Files.newInputStream(tmp.resolve("t.tar.gz"))) {
            long total;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                total += Math.max(n, 0);
                if (n < 0 || total > 50_000) {
                    throw new IOException("sha256:ab12: digest mismatch");
                }
                return n;
            }
        };
        try (TarReader r = new TarReader(Decompress.open(failing, "sha256:ab12"), "sha256:ab12")) {
            assertThatThrownBy(() -> Listing.read(r, OPTIONS)).hasMessage("sha256:ab12: digest mismatch");
        }
    }

    @Test
    void decodesOnTheCallersThread() throws IOException {
        // What runs ahead is the prefetcher's choice alone: the decompressor starts no thread.
        Tools.bash(tmp, "gzip -c t.tar > t.tar.gz");
        java.util.Set<Thread> readers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        InputStream raw = new FilterInputStream(Files.newInputStream(tmp.resolve("t.tar.gz"))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                readers.add(Thread.currentThread());
                return super.read(b, off, len);
            }
        };
        assertThat(read(raw, "tar:t.tar.gz")).isNotEmpty();
        assertThat(readers).containsExactly(Thread.currentThread());
    }
}
