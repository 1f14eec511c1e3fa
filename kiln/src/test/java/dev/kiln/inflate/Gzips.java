package dev.kiln.inflate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Gzip streams for the tests, made field by field, and a decoder run that records the outcome. */
final class Gzips {
    static final String ISAL = "isa-l";
    static final String JAVA = "java";

    private Gzips() {
    }

    /** The optional header fields of a member (RFC 1952 2.3.1). */
    record Header(int method, int extraFlags, byte[] extra, String name, String comment, boolean headerCrc) {
        static final Header PLAIN = new Header(8, 0, null, null, null, false);

        static Header all() {
            return new Header(8, 0, "AB\u0004\0abcd".getBytes(StandardCharsets.ISO_8859_1), "rootfs.tar",
                    "made by a test", true);
        }
    }

    /** One member holding {@code data}, deflated at {@code level} (0 gives stored blocks). */
    static byte[] member(byte[] data, int level, Header h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int flags = h.extraFlags | (h.headerCrc ? 2 : 0) | (h.extra != null ? 4 : 0) | (h.name != null ? 8 : 0)
                | (h.comment != null ? 16 : 0);
        out.writeBytes(new byte[] {0x1f, (byte) 0x8b, (byte) h.method, (byte) flags, 1, 2, 3, 4, 0, 3});
        if (h.extra != null) {
            out.write(h.extra.length & 0xff);
            out.write(h.extra.length >>> 8);
            out.writeBytes(h.extra);
        }
        if (h.name != null) {
            out.writeBytes(h.name.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        if (h.comment != null) {
            out.writeBytes(h.comment.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        if (h.headerCrc) {
            CRC32 crc = new CRC32();
            crc.update(out.toByteArray());
            out.write((int) crc.getValue());
            out.write((int) crc.getValue() >>> 8);
        }
        out.writeBytes(deflate(data, level));
        CRC32 crc = new CRC32();
        crc.update(data);
        writeInt(out, (int) crc.getValue());
        writeInt(out, data.length);
        return out.toByteArray();
    }

    static byte[] member(byte[] data) {
        return member(data, 6, Header.PLAIN);
    }

    static byte[] deflate(byte[] data, int level) {
        Deflater deflater = new Deflater(level, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Bytes like a layer's: text-like runs, repeats and some incompressible stretches. */
    static byte[] data(long seed, int size) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        String[] words = {"usr/", "lib/", "share/", "ELF", "\0\0\0\0", "python3", "#include", "0755 ", "\n"};
        int i = 0;
        while (i < size) {
            int kind = r.nextInt(10);
            if (kind < 6) {
                byte[] w = words[r.nextInt(words.length)].getBytes(StandardCharsets.ISO_8859_1);
                for (int j = 0; j < w.length && i < size; j++) {
                    b[i++] = w[j];
                }
            } else if (kind < 8 && i > 300) {
                int from = i - 1 - r.nextInt(Math.min(i, 32768) - 1);
                int len = 3 + r.nextInt(255);
                for (int j = 0; j < len && i < size; j++) {
                    b[i++] = b[from + j];
                }
            } else {
                int len = 1 + r.nextInt(200);
                for (int j = 0; j < len && i < size; j++) {
                    b[i++] = (byte) r.nextInt();
                }
            }
        }
        return b;
    }

    static DeflateEngine engine(String name) {
        return switch (name) {
            case ISAL -> {
                if (Gunzip.nativeFailure() != null) {
                    throw new AssertionError("the native inflater did not load: " + Gunzip.nativeFailure());
                }
                yield new IsalInflate();
            }
            case JAVA -> new JavaInflate();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** What decoding gave: all the data, or the kind of error (and the data before it). */
    record Outcome(byte[] data, GzipException.Kind error, String message, String detail) {
        boolean sameAs(Outcome o) {
            return error == o.error && (error != null || java.util.Arrays.equals(data, o.data));
        }

        @Override
        public String toString() {
            return error == null ? data.length + " bytes" : error + " (" + message + ") after " + data.length + " bytes";
        }
    }

    /** Decodes {@code gz} with the named engine, reading {@code readSize} bytes at a time. */
    static Outcome decode(byte[] gz, String engine, int bufferSize, int readSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = new GzipStream(new java.io.ByteArrayInputStream(gz), engine(engine), bufferSize)) {
            byte[] buf = new byte[readSize];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return new Outcome(out.toByteArray(), null, null, null);
        } catch (GzipException e) {
            return new Outcome(out.toByteArray(), e.kind(), e.getMessage(),
                    e.getCause() == null ? null : e.getCause().getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Outcome decode(byte[] gz, String engine) {
        return decode(gz, engine, 128 * 1024, 64 * 1024);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
