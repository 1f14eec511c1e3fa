package dev.kiln.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes tar archives header by header, for archives no tool writes on purpose (a long name
 * without its NUL, two PAX headers in a row, oversized headers). Real tools make the ordinary
 * archives the tests compare with.
 */
public final class RawTar {
    public static final int BLOCK = 512;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A header block: ustar unless {@code gnu}; the checksum is computed. */
    public static byte[] header(String name, char type, long size, String link, boolean gnu) {
        return header(name.getBytes(StandardCharsets.UTF_8), type, size, link.getBytes(StandardCharsets.UTF_8), gnu);
    }

    public static byte[] header(byte[] name, char type, long size, byte[] link, boolean gnu) {
        byte[] b = new byte[BLOCK];
        System.arraycopy(name, 0, b, 0, Math.min(name.length, 100));
        put(b, 100, String.format("%07o", 0644));
        put(b, 108, String.format("%07o", 0));
        put(b, 116, String.format("%07o", 0));
        put(b, 124, String.format("%011o", size));
        put(b, 136, String.format("%011o", 1_000_000_000L));
        b[156] = (byte) type;
        System.arraycopy(link, 0, b, 157, Math.min(link.length, 100));
        put(b, 257, gnu ? "ustar  " : "ustar");
        if (!gnu) {
            put(b, 263, "00");
        }
        fixChecksum(b, 0);
        return b;
    }

    private static void put(byte[] b, int off, String s) {
        byte[] v = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, b, off, v.length);
    }

    /** Recomputes the checksum of the header at {@code off}, after a test changed a field. */
    public static void fixChecksum(byte[] archive, int off) {
        Arrays.fill(archive, off + 148, off + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += archive[off + i] & 0xff;
        }
        put(archive, off + 148, String.format("%06o", sum));
        archive[off + 154] = 0;
        archive[off + 155] = ' ';
    }

    /** One "LEN key=value\n" record, its length field counting itself. */
    public static byte[] record(String key, byte[] value) {
        byte[] k = (" " + key + "=").getBytes(StandardCharsets.UTF_8);
        int body = k.length + value.length + 1;
        int n = body + 1;
        while (String.valueOf(n).length() + body != n) {
            n++;
        }
        byte[] r = new byte[n];
        byte[] len = String.valueOf(n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(len, 0, r, 0, len.length);
        System.arraycopy(k, 0, r, len.length, k.length);
        System.arraycopy(value, 0, r, len.length + k.length, value.length);
        r[n - 1] = '\n';
        return r;
    }

    public static byte[] record(String key, String value) {
        return record(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Offsets of the header blocks of a valid archive, up to its end blocks. */
    public static java.util.List<Integer> headerOffsets(byte[] tar) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        int at = 0;
        while (at + BLOCK <= tar.length && !TarHeader.isZero(Arrays.copyOfRange(tar, at, at + BLOCK))) {
            out.add(at);
            long size = Long.parseLong(new String(tar, at + 124, 12, StandardCharsets.US_ASCII).trim().replace("\0", ""), 8);
            char type = (char) tar[at + 156];
            if (type >= '1' && type <= '6') {
                size = 0;
            }
            at += BLOCK + (int) ((size + BLOCK - 1) / BLOCK * BLOCK);
        }
        return out;
    }

    public RawTar raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** Data padded to whole blocks with {@code pad}. */
    public RawTar data(byte[] data, byte pad) {
        out.writeBytes(data);
        int rest = (BLOCK - data.length % BLOCK) % BLOCK;
        byte[] p = new byte[rest];
        Arrays.fill(p, pad);
        out.writeBytes(p);
        return this;
    }

    public RawTar file(String name, String content) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        return raw(header(name, '0', data.length, "", false)).data(data, (byte) 0);
    }

    /** A PAX header ('x' or 'g') holding {@code records}. */
    public RawTar pax(char type, byte[]... records) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        for (byte[] r : records) {
            d.writeBytes(r);
        }
        byte[] data = d.toByteArray();
        return raw(header("PaxHeaders/x", type, data.length, "", false)).data(data, (byte) 0);
    }

    /** A GNU long name ('L') or long link ('K') header with exactly {@code data} as its content. */
    public RawTar gnuLong(char type, byte[] data, byte pad) {
        return raw(header("././@LongLink", type, data.length, "", true)).data(data, pad);
    }

    public RawTar end() {
        return raw(new byte[2 * BLOCK]);
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
