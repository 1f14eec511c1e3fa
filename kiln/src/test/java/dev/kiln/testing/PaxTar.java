package dev.kiln.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds small tar archives byte by byte, with any PAX records: the inputs real tools will not
 * make on this machine (a 1 PiB sparse file, uid 2^32, device 5000:0, the year 3000).
 */
public final class PaxTar {
    private static final int BLOCK = 512;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** One region of a sparse file and its bytes. */
    public record Region(long offset, byte[] data) {
    }

    public PaxTar directory(String path, Map<String, String> pax) {
        entry(path.endsWith("/") ? path : path + "/", '5', 0, 0, 0, pax);
        return this;
    }

    public PaxTar file(String path, byte[] data, Map<String, String> pax) {
        entry(path, '0', data.length, 0, 0, pax);
        data(data);
        return this;
    }

    public PaxTar device(String path, char type, int major, int minor, Map<String, String> pax) {
        entry(path, type, 0, major, minor, pax);
        return this;
    }

    /** A GNU sparse 1.0 file of {@code size} bytes holding only these regions (as GNU tar writes it). */
    public PaxTar sparse(String path, long size, Region... regions) {
        StringBuilder map = new StringBuilder().append(regions.length).append('\n');
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Region r : regions) {
            map.append(r.offset()).append('\n').append(r.data().length).append('\n');
            data.writeBytes(r.data());
        }
        byte[] mapBytes = map.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] stored = Arrays.copyOf(mapBytes, (mapBytes.length + BLOCK - 1) / BLOCK * BLOCK + data.size());
        System.arraycopy(data.toByteArray(), 0, stored, stored.length - data.size(), data.size());
        Map<String, String> pax = new LinkedHashMap<>();
        pax.put("GNU.sparse.major", "1");
        pax.put("GNU.sparse.minor", "0");
        pax.put("GNU.sparse.name", path);
        pax.put("GNU.sparse.realsize", Long.toString(size));
        entry("GNUSparseFile.0/" + path, '0', stored.length, 0, 0, pax);
        data(stored);
        return this;
    }

    /** The archive, with its two end blocks. */
    public byte[] bytes() {
        byte[] body = out.toByteArray();
        return Arrays.copyOf(body, body.length + 2 * BLOCK);
    }

    public Path write(Path file) {
        try {
            return Files.write(file, bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void entry(String path, char type, long size, int major, int minor, Map<String, String> pax) {
        if (!pax.isEmpty()) {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            pax.forEach((k, v) -> records.writeBytes(record(k, v)));
            out.writeBytes(header("PaxHeader", 'x', records.size(), 0, 0));
            data(records.toByteArray());
        }
        out.writeBytes(header(path, type, size, major, minor));
    }

    private void data(byte[] data) {
        out.writeBytes(data);
        out.writeBytes(new byte[(BLOCK - data.length % BLOCK) % BLOCK]);
    }

    private static byte[] header(String path, char type, long size, int major, int minor) {
        byte[] h = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
        octal(h, 100, 8, 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, 1_700_000_000L);
        h[156] = (byte) type;
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        octal(h, 329, 8, major);
        octal(h, 337, 8, minor);
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    private static void octal(byte[] h, int off, int len, long value) {
        String s = String.format("%0" + (len - 1) + "o", value);
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, off, len - 1);
    }

    private static byte[] record(String key, String value) {
        byte[] body = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8);
        int len = body.length + 1;
        while (len != body.length + Integer.toString(len).length()) {
            len = body.length + Integer.toString(len).length();
        }
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
        r.writeBytes(body);
        return r.toByteArray();
    }
}
