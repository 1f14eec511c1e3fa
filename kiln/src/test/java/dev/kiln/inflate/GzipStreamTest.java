package dev.kiln.inflate;

import dev.kiln.inflate.GzipException.Kind;
import dev.kiln.inflate.Gzips.Header;
import dev.kiln.inflate.Gzips.Outcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.util.Arrays;

import static dev.kiln.inflate.Gzips.concat;
import static dev.kiln.inflate.Gzips.data;
import static dev.kiln.inflate.Gzips.decode;
import static dev.kiln.inflate.Gzips.member;
import static org.assertj.core.api.Assertions.assertThat;

/** The gzip rules, each checked with both engines: the native (ISA-L) one and java.util.zip's. */
class GzipStreamTest {
    private static final byte[] DATA = data(1, 300_000);

    private static void assertData(Outcome o, byte[] expected) {
        assertThat(o.error()).as("error: %s", o).isNull();
        assertThat(o.data()).as("decoded data").isEqualTo(expected);
    }

    private static void assertError(Outcome o, Kind kind, String message) {
        assertThat(o.error()).as("outcome: %s", o).isEqualTo(kind);
        assertThat(o.message()).isEqualTo(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void decodesOneMemberAtEveryLevel(String engine) {
        for (int level = 0; level <= 9; level++) {
            assertData(decode(member(DATA, level, Header.PLAIN), engine), DATA);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void readsEveryMember(String engine) {
        byte[] a = data(2, 70_000);
        byte[] b = data(3, 5);
        byte[] gz = concat(member(a), member(new byte[0]), member(b, 0, Header.PLAIN), member(DATA, 9, Header.all()));
        assertData(decode(gz, engine), concat(a, b, DATA));
    }

    /**
     * Many small members, through small input buffers: member ends fall at every position of a
     * fill, so the native engine's read-ahead past a member's deflate data is put back from
     * earlier fills too.
     */
    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void memberEndsAnywhereInTheInputBuffer(String engine) {
        byte[][] parts = new byte[40][];
        byte[][] members = new byte[40][];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = data(100 + i, i * 37);
            members[i] = member(parts[i], i % 10, Header.PLAIN);
        }
        byte[] gz = concat(members);
        for (int buffer : new int[] {1, 2, 3, 7, 8, 9, 16, 100, 4096}) {
            for (int read : new int[] {1, 5, 4096}) {
                assertData(decode(gz, engine, buffer, read), concat(parts));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void acceptsEveryOptionalHeaderField(String engine) {
        assertData(decode(member(DATA, 6, Header.all()), engine), DATA);
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void refusesBadHeaders(String engine) {
        assertError(decode(member(DATA, 6, new Header(7, 0, null, null, null, false)), engine),
                Kind.BAD_HEADER, "corrupt gzip data: unsupported compression method");
        assertError(decode(concat(member(DATA), member(DATA, 6, new Header(8, 0x20, null, null, null, false))), engine),
                Kind.BAD_HEADER, "corrupt gzip data: bad header");
        byte[] badHeaderCrc = member(DATA, 6, Header.all());
        int hcrcAt = member(new byte[0], 6, Header.all()).length - Gzips.deflate(new byte[0], 6).length - 8 - 2;
        badHeaderCrc[hcrcAt] ^= 1;
        assertError(decode(badHeaderCrc, engine), Kind.BAD_HEADER, "corrupt gzip data: bad header");
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void refusesWhatIsNotGzip(String engine) {
        assertError(decode("hello, world".getBytes(), engine), Kind.NOT_GZIP, "not gzip data");
        assertError(decode(new byte[0], engine), Kind.TRUNCATED, "truncated gzip data");
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void checksTheTrailerOfEveryMember(String engine) {
        byte[] first = member(data(4, 1000));
        byte[] crc = concat(first, member(DATA));
        crc[crc.length - 8] ^= 0x10;
        Outcome badCrc = decode(crc, engine);
        assertError(badCrc, Kind.CHECKSUM_MISMATCH, "corrupt gzip data: checksum mismatch");
        assertThat(badCrc.data()).as("all the data, then the error").isEqualTo(concat(data(4, 1000), DATA));
        byte[] size = concat(first, member(DATA));
        size[first.length - 1] ^= 0x01;
        assertError(decode(size, engine), Kind.LENGTH_MISMATCH, "corrupt gzip data: length mismatch");
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void everyTruncationIsAnError(String engine) {
        int first = member(data(5, 3000)).length;
        byte[] gz = concat(member(data(5, 3000)), member(data(6, 2000), 0, Header.all()));
        for (int cut = 1; cut < gz.length; cut++) {
            Outcome o = decode(Arrays.copyOf(gz, cut), engine, 64, 100);
            if (cut == first) {
                assertData(o, data(5, 3000)); // a whole first member is a whole stream
            } else if (cut == first + 1) {
                assertThat(o.error()).as("a lone 0x1f after a member").isEqualTo(Kind.TRAILING_DATA);
            } else {
                assertThat(o.error()).as("cut at %d: %s", cut, o).isEqualTo(Kind.TRUNCATED);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void refusesDataAfterTheLastMember(String engine) {
        byte[] gz = member(DATA);
        String at = "unexpected data after the end of the gzip stream at compressed byte " + gz.length;
        assertError(decode(concat(gz, "x".getBytes()), engine), Kind.TRAILING_DATA, at);
        assertError(decode(concat(gz, new byte[] {0x1f}), engine), Kind.TRAILING_DATA, at);
        assertError(decode(concat(gz, new byte[] {0x1f, 0x0b, 8, 0}), engine), Kind.TRAILING_DATA, at);
        assertError(decode(concat(gz, new byte[100], new byte[] {1}), engine), Kind.TRAILING_DATA, at);
        assertError(decode(concat(gz, new byte[3], member(DATA)), engine), Kind.TRAILING_DATA, at);
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void acceptsNulPaddingToTheEnd(String engine) {
        assertData(decode(concat(member(DATA), new byte[1]), engine), DATA);
        assertData(decode(concat(member(DATA), new byte[10_000]), engine), DATA);
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void refusesCorruptDeflateData(String engine) {
        byte[] gz = member(DATA);
        gz[10] = (byte) 0xff; // block type 3: reserved
        assertError(decode(gz, engine), Kind.CORRUPT_DATA, "corrupt gzip data");
    }

    /**
     * A caller may close or probe the input once it has ended (SequenceInputStream closes each
     * part at its end, and Decompress then asks it for available()): so no read returns data
     * after the input was read to its end, truncated or not.
     */
    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void returnsNoDataAfterReadingTheInputToItsEnd(String engine) throws Exception {
        byte[] gz = member(DATA);
        for (byte[] input : new byte[][] {gz, Arrays.copyOf(gz, gz.length / 2), Arrays.copyOf(gz, gz.length - 3)}) {
            boolean[] ended = new boolean[1];
            InputStream raw = new java.io.ByteArrayInputStream(input) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    int n = super.read(b, off, len);
                    ended[0] |= n < 0;
                    return n;
                }
            };
            try (GzipStream in = new GzipStream(raw, Gzips.engine(engine), 4096)) {
                byte[] buf = new byte[1000];
                for (int n = 0; n >= 0; n = in.read(buf)) {
                    assertThat(n == 0 || !ended[0]).as("%d bytes returned after the input ended", n).isTrue();
                }
            } catch (GzipException e) {
                assertThat(e.kind()).isEqualTo(Kind.TRUNCATED);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void theFirstFailureIsReturnedByEveryLaterRead(String engine) throws Exception {
        byte[] gz = member(DATA);
        gz[10] = (byte) 0xff;
        try (GzipStream in = new GzipStream(new java.io.ByteArrayInputStream(gz), Gzips.engine(engine), 4096)) {
            GzipException first = org.junit.jupiter.api.Assertions.assertThrows(GzipException.class, () -> in.read(new byte[100]));
            for (int i = 0; i < 3; i++) {
                assertThat(org.junit.jupiter.api.Assertions.assertThrows(GzipException.class, () -> in.read(new byte[100])))
                        .isSameAs(first);
            }
        }
    }

    /**
     * A dynamic block whose code-length code is empty: ISA-L refuses it at once, zlib takes it and
     * runs out of input. Found by GzipFuzzTest; both refuse, which is what matters.
     */
    @ParameterizedTest
    @ValueSource(strings = {Gzips.ISAL, Gzips.JAVA})
    void refusesAnEmptyCodeLengthCode(String engine) {
        Outcome o = decode(java.util.HexFormat.of().parseHex("1f8b08000102030400b105000000"), engine);
        assertThat(o.error()).as("outcome: %s", o).isIn(Kind.CORRUPT_DATA, Kind.TRUNCATED);
    }

    /** The native engine writes the caller's array only where it was asked to. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 255, 4096, 65_536, 300_001})
    void writesOnlyTheRangeAskedFor(int len) throws Exception {
        byte[] gz = member(DATA);
        try (GzipStream in = new GzipStream(new java.io.ByteArrayInputStream(gz), Gzips.engine(Gzips.ISAL), 4096)) {
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[len + 64];
            while (true) {
                Arrays.fill(buf, (byte) 0x5a);
                int n = in.read(buf, 32, len);
                if (n < 0) {
                    break;
                }
                got.write(buf, 32, n);
                for (int i = 0; i < buf.length; i++) {
                    if (i < 32 || i >= 32 + n) {
                        assertThat(buf[i]).as("byte %d outside the %d bytes read", i, n).isEqualTo((byte) 0x5a);
                    }
                }
            }
            assertThat(got.toByteArray()).isEqualTo(DATA);
        }
    }
}
