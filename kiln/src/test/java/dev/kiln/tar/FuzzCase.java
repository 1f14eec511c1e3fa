package dev.kiln.tar;

import com.github.luben.zstd.ZstdOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A seed archive and the mutations that turn it into a fuzz input: {@code tar} ones change the
 * uncompressed archive (which is then compressed again as the seed was), {@code raw} ones change
 * the bytes as fed to Kiln (the compressed stream, for a compressed seed).
 */
public record FuzzCase(FuzzSeeds.Seed seed, List<TarMutation> tar, List<TarMutation> raw) {

    public byte[] bytes() {
        byte[] plain = seed.tar();
        for (TarMutation m : tar) {
            plain = m.apply(plain);
        }
        byte[] fed = tar.isEmpty() ? seed.bytes() : compress(plain, seed.compression());
        for (TarMutation m : raw) {
            fed = m.apply(fed);
        }
        return fed;
    }

    /** The file name suffix that says how the input is compressed. */
    public String suffix() {
        return switch (seed.compression()) {
            case "gzip" -> ".tar.gz";
            case "zstd" -> ".tar.zst";
            case "bzip2" -> ".tar.bz2";
            default -> ".tar";
        };
    }

    private static byte[] compress(byte[] plain, String compression) {
        if (compression.equals("none")) {
            return plain;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = switch (compression) {
            case "gzip" -> new GZIPOutputStream(out);
            case "zstd" -> new ZstdOutputStream(out).setChecksum(true); // as the zstd command writes
            default -> new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(out);
        }) {
            c.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Cases over every seed: at least one mutation, at most three at each level. */
    public static Arbitrary<FuzzCase> arbitrary() {
        return Arbitraries.of(FuzzSeeds.all()).flatMap(seed -> {
            Arbitrary<List<TarMutation>> tar = tarLevel().list().ofMaxSize(3);
            Arbitrary<List<TarMutation>> raw = seed.compression().equals("none")
                    ? Arbitraries.just(List.of()) : byteLevel().list().ofMaxSize(3);
            return Combinators.combine(tar, raw).as((t, r) -> new FuzzCase(seed, t, r))
                    .filter(c -> !c.tar.isEmpty() || !c.raw.isEmpty());
        });
    }

    static Arbitrary<TarMutation> tarLevel() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, headerField()),
                net.jqwik.api.Tuple.of(2, paxLength()),
                net.jqwik.api.Tuple.of(2, paxValue()),
                net.jqwik.api.Tuple.of(4, byteLevel()));
    }

    static Arbitrary<TarMutation> byteLevel() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, 65_535);
        Arbitrary<byte[]> few = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16);
        Arbitrary<byte[]> block = Arbitraries.of(new byte[512], headerLike());
        return Arbitraries.oneOf(
                Combinators.combine(at, Arbitraries.integers().between(0, 7)).as(TarMutation.FlipBit::new),
                at.map(TarMutation.Truncate::new),
                Combinators.combine(at, Arbitraries.oneOf(few, block)).as(TarMutation.Insert::new),
                Combinators.combine(at, Arbitraries.integers().between(1, 1024)).as(TarMutation.Delete::new),
                Combinators.combine(at, few).as(TarMutation.Overwrite::new));
    }

    private static byte[] headerLike() {
        return RawTar.header("inserted", '0', 0, "", false);
    }

    static Arbitrary<TarMutation> headerField() {
        Arbitrary<Integer> header = Arbitraries.integers().between(0, 40);
        Arbitrary<TarMutation.Field> field = Arbitraries.of(TarMutation.Field.class);
        return Combinators.combine(header, field, Arbitraries.of(true, true, false))
                .flatAs((h, f, fix) -> value(f).map(v -> new TarMutation.HeaderField(h, f, v, fix)));
    }

    /** Values worth trying in a field: limits, other bases, other types, hostile names, noise. */
    private static Arbitrary<byte[]> value(TarMutation.Field f) {
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofSize(f.length);
        Arbitrary<byte[]> special = switch (f) {
            case TYPE -> Arbitraries.of("0", "1", "2", "3", "4", "5", "6", "7", "A", "D", "K", "L", "M", "N", "S", "V",
                    "g", "x", "X", "\0", " ").map(FuzzCase::ascii);
            case NAME, LINKNAME, PREFIX -> Arbitraries.of("../escape", "/abs/path", "a/b/../c", "", ".", "./", "x/../..",
                    "dir/file", "dir", "dir/file/inner", "evil\nname", "x".repeat(100), "\u00e9\u0000hidden",
                    "././@LongLink").map(FuzzCase::ascii);
            case MAGIC -> Arbitraries.of("ustar\u000000", "ustar  \u0000", "", "garbage!").map(FuzzCase::ascii);
            case GNU_EXTENDED -> Arbitraries.of("\u0001", "\u0000").map(FuzzCase::ascii);
            case GNU_SPARSE -> Arbitraries.of("00000000000\u000000000001000\u0000", "77777777777\u000077777777777\u0000")
                    .map(FuzzCase::ascii);
            default -> Arbitraries.oneOf(
                    Arbitraries.of("77777777777\u0000", "0", "", "   ", "12x4", "7".repeat(f.length), "-1", "0000001\u0000")
                            .map(FuzzCase::ascii),
                    Arbitraries.longs().between(0, Long.MAX_VALUE).map(x -> ascii(Long.toOctalString(x))),
                    base256(f.length));
        };
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, special), net.jqwik.api.Tuple.of(1, noise));
    }

    /** GNU base-256: the high bit set, then a big-endian two's complement number. */
    private static Arbitrary<byte[]> base256(int length) {
        return Arbitraries.of(true, false).flatMap(negative -> Arbitraries.bytes().array(byte[].class).ofSize(length)
                .map(b -> {
                    b[0] = (byte) (negative ? 0xff : 0x80);
                    return b;
                }));
    }

    static Arbitrary<TarMutation> paxLength() {
        return Combinators.combine(Arbitraries.integers().between(0, 40),
                Arbitraries.oneOf(Arbitraries.of("0", "", "-1", "1e3", "999999999", "00000000030"),
                        Arbitraries.integers().between(0, 5000).map(String::valueOf)))
                .as(TarMutation.PaxLength::new);
    }

    static Arbitrary<TarMutation> paxValue() {
        return Combinators.combine(Arbitraries.integers().between(0, 40),
                Arbitraries.oneOf(
                        Arbitraries.of("9", "0", "-", ".", ",", "/", "..", "=", "\n", "\0", "1,", "9999999999999999999",
                                "../", "a").map(FuzzCase::ascii),
                        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(8)))
                .as(TarMutation.PaxValue::new);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return seed.name() + " tar=" + tar + " raw=" + raw;
    }
}
