package dev.kiln.inflate;

import dev.kiln.inflate.Gzips.Header;
import dev.kiln.inflate.Gzips.Outcome;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.statistics.Statistics;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Valid gzip streams, mutated (cut short, bits flipped, bytes overwritten, inserted or removed,
 * garbage or padding or another member appended), decoded by the native engine and by
 * java.util.zip's: both must give the same bytes, or fail with the same kind of error, with
 * any sizes of input buffer and reads. The native one must never crash the JVM nor hang.
 */
class GzipFuzzTest {
    /** What a deflate stream that one engine finds invalid may give with the other. */
    private static final java.util.Set<GzipException.Kind> DAMAGED_DEFLATE = java.util.EnumSet.of(
            GzipException.Kind.CORRUPT_DATA, GzipException.Kind.CHECKSUM_MISMATCH,
            GzipException.Kind.LENGTH_MISMATCH, GzipException.Kind.TRUNCATED);

    /** A valid stream and what it holds. */
    record Valid(byte[] gz, byte[] data) {
        @Override
        public String toString() { // what a shrunk failure needs to be reproduced
            return "gzip of " + data.length + " bytes: " + (gz.length <= 512
                    ? java.util.HexFormat.of().formatHex(gz) : gz.length + " bytes");
        }
    }

    /** One change to a stream, applied with a seed so that jqwik can shrink the rest. */
    enum Mutation { NONE, TRUNCATE, FLIP_BITS, OVERWRITE, INSERT, DELETE, APPEND_GARBAGE, APPEND_ZEROS, APPEND_MEMBER }

    @Provide
    Arbitrary<Valid> streams() {
        Arbitrary<byte[]> member = Combinators.combine(
                Arbitraries.longs(), Arbitraries.integers().between(0, 40_000), Arbitraries.integers().between(0, 9),
                Arbitraries.of(true, false)).as((seed, size, level, headerFields) -> {
                    byte[] data = Gzips.data(seed, size);
                    byte[] gz = Gzips.member(data, level, headerFields ? Header.all() : Header.PLAIN);
                    return new byte[][] {gz, data};
                }).map(pair -> concat(pair[0], pair[1]));
        return member.list().ofMinSize(1).ofMaxSize(4).map(GzipFuzzTest::valid);
    }

    /** Each element holds a member followed by its data and the member's length in 4 bytes (packed to shrink well). */
    private static byte[] concat(byte[] gz, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(gz.length >>> 24);
        out.write(gz.length >>> 16);
        out.write(gz.length >>> 8);
        out.write(gz.length);
        out.writeBytes(gz);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static Valid valid(List<byte[]> packed) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] p : packed) {
            int len = (p[0] & 0xff) << 24 | (p[1] & 0xff) << 16 | (p[2] & 0xff) << 8 | (p[3] & 0xff);
            gz.write(p, 4, len);
            data.write(p, 4 + len, p.length - 4 - len);
        }
        return new Valid(gz.toByteArray(), data.toByteArray());
    }

    static byte[] mutate(byte[] gz, Mutation m, long seed) {
        Random r = new Random(seed);
        int at = r.nextInt(gz.length);
        return switch (m) {
            case NONE -> gz;
            case TRUNCATE -> java.util.Arrays.copyOf(gz, at);
            case FLIP_BITS -> {
                byte[] b = gz.clone();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                yield b;
            }
            case OVERWRITE -> {
                byte[] b = gz.clone();
                b[at] = (byte) r.nextInt();
                yield b;
            }
            case INSERT -> Gzips.concat(java.util.Arrays.copyOf(gz, at), randomBytes(r, 1 + r.nextInt(20)),
                    java.util.Arrays.copyOfRange(gz, at, gz.length));
            case DELETE -> Gzips.concat(java.util.Arrays.copyOf(gz, at),
                    java.util.Arrays.copyOfRange(gz, Math.min(gz.length, at + 1 + r.nextInt(20)), gz.length));
            case APPEND_GARBAGE -> Gzips.concat(gz, randomBytes(r, 1 + r.nextInt(30)));
            case APPEND_ZEROS -> Gzips.concat(gz, new byte[1 + r.nextInt(3000)]);
            case APPEND_MEMBER -> Gzips.concat(gz, Gzips.member(Gzips.data(seed, r.nextInt(5000))));
        };
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Property(tries = 400)
    void enginesAgree(@ForAll("streams") Valid valid, @ForAll Mutation mutation, @ForAll long seed,
                      @ForAll("bufferSizes") int buffer, @ForAll("bufferSizes") int read) {
        check(valid, mutation, seed, buffer, read);
    }

    @Property(tries = 20_000)
    @Tag("slow")
    void enginesAgreeOnManyMore(@ForAll("streams") Valid valid, @ForAll Mutation mutation, @ForAll long seed,
                                @ForAll("bufferSizes") int buffer, @ForAll("bufferSizes") int read) {
        check(valid, mutation, seed, buffer, read);
    }

    @Provide
    Arbitrary<Integer> bufferSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 64), Arbitraries.integers().between(1, 200_000));
    }

    private static void check(Valid valid, Mutation mutation, long seed, int buffer, int read) {
        byte[] input = mutate(valid.gz(), mutation, seed);
        Outcome isal = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Gzips.decode(input, Gzips.ISAL, buffer, read));
        Outcome java = Gzips.decode(input, Gzips.JAVA);
        Statistics.label("mutation").collect(mutation);
        Statistics.label("outcome").collect(java.error() == null ? "decoded" : java.error().name());
        if (!isal.sameAs(java)) {
            // The engines disagree only on where invalid deflate data fails, never on whether a
            // stream decodes. zlib refuses a Huffman code that is incomplete or over-subscribed,
            // which ISA-L decodes with, and then what it reads is wrong: its CRC-32 check fails,
            // or the input ends first. ISA-L refuses some codes (an empty one) that zlib takes
            // until the input ends. Either way the stream is refused.
            String both = "native: " + isal + ", java: " + java;
            assertThat(List.of(isal.error(), java.error())).as(both).doesNotContainNull()
                    .contains(GzipException.Kind.CORRUPT_DATA);
            assertThat(List.of(isal.error(), java.error())).as(both).allMatch(DAMAGED_DEFLATE::contains);
            if (java.error() == GzipException.Kind.CORRUPT_DATA) {
                assertThat(java.detail()).as(both).matches("invalid (literal/lengths|distances|code lengths) set");
            }
            Statistics.label("engines refusing differently").collect(isal.error() + " / " + java.error());
        }
        if (mutation == Mutation.NONE || mutation == Mutation.APPEND_ZEROS) {
            assertThat(java.error()).as("a valid stream: %s", java).isNull();
            assertThat(java.data()).isEqualTo(valid.data());
        }
    }
}
