package dev.kiln.inflate;

import dev.kiln.inflate.Gzips.Outcome;

import java.util.Arrays;

/**
 * Decodes valid, corrupt, cut and padded streams with the native engine through every branch of
 * the shim (progress, end of member with read-ahead handed back, corrupt data, small buffers),
 * for {@link NativeCheckJniTest} to run under -Xcheck:jni. Prints "ok" when every outcome was
 * the expected one.
 */
public final class CheckJniMain {
    public static void main(String[] args) {
        byte[] data = Gzips.data(7, 200_000);
        byte[] gz = Gzips.concat(Gzips.member(data), Gzips.member(data, 0, Gzips.Header.all()));
        byte[] corrupt = gz.clone();
        corrupt[10] = (byte) 0xff;
        byte[] both = Gzips.concat(data, data);
        check(Gzips.decode(gz, Gzips.ISAL), both, null);
        check(Gzips.decode(gz, Gzips.ISAL, 3, 7), both, null);
        check(Gzips.decode(Gzips.concat(gz, new byte[5]), Gzips.ISAL), both, null);
        check(Gzips.decode(corrupt, Gzips.ISAL), null, GzipException.Kind.CORRUPT_DATA);
        check(Gzips.decode(Arrays.copyOf(gz, gz.length / 3), Gzips.ISAL), null, GzipException.Kind.TRUNCATED);
        System.out.println("ok");
    }

    private static void check(Outcome o, byte[] data, GzipException.Kind error) {
        if (o.error() != error || (data != null && !Arrays.equals(o.data(), data))) {
            throw new AssertionError("unexpected outcome: " + o);
        }
    }
}
