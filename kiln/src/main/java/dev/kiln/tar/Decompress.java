package dev.kiln.tar;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.kiln.KilnException;
import dev.kiln.UnsupportedInput;
import dev.kiln.inflate.Gunzip;
import dev.kiln.inflate.GzipException;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/**
 * The one decompressor: opens a possibly compressed tar stream, gzip (also multi-member), zstd,
 * bzip2 or plain, either detected from the content (a {@code tar:} file, a pipe, a layer whose
 * media type does not say) or as a layer's media type names it. Decoding runs on the caller's
 * thread: what runs ahead of the reader, and on which thread, is decided in one place, by the
 * flattener's {@code Prefetcher}, which reads every layer through one of these.
 */
public final class Decompress {
    public enum Format { PLAIN, GZIP, ZSTD, BZIP2, XZ }

    private Decompress() {
    }

    /**
     * The decompressed stream, the format detected from the first bytes. Errors name
     * {@code label} ("tar:rootfs.tar: corrupt gzip data: ..."); errors that the raw stream itself
     * throws (a digest mismatch, say) pass through unchanged. Closing the result closes {@code raw}.
     */
    public static InputStream open(InputStream raw, String label) throws IOException {
        Tracked source = new Tracked(raw);
        byte[] head = source.readNBytes(TarHeader.BLOCK);
        Format format = detect(head);
        if (format == Format.XZ) {
            source.close();
            throw new UnsupportedInput(label, "xz-compressed input is not supported; decompress it first (xz -d)");
        }
        InputStream all = new SequenceInputStream(new ByteArrayInputStream(head), source) {
            @Override
            public void close() throws IOException {
                source.close();
            }
        };
        return decode(all, source, format, label);
    }

    /**
     * Decodes {@code raw} as {@code format} (a layer whose media type names its compression).
     * Decoding errors are {@link CorruptInput}s naming {@code label}; errors of {@code raw}
     * itself pass through unchanged. Closing the result closes {@code raw}.
     */
    public static InputStream open(InputStream raw, Format format, String label) throws IOException {
        if (format == Format.XZ) {
            throw new UnsupportedInput(label, "xz-compressed input is not supported");
        }
        Tracked source = new Tracked(raw);
        return decode(source, source, format, label);
    }

    /** {@code all} reads {@code source}, possibly behind bytes already taken from it for detection. */
    private static InputStream decode(InputStream all, Tracked source, Format format, String label) throws IOException {
        String name = format.name().toLowerCase(java.util.Locale.ROOT);
        try {
            return switch (format) {
                case PLAIN -> all;
                case GZIP -> new Checked(Gunzip.open(all), source, label, name);
                case ZSTD -> new Checked(new ZstdInputStreamNoFinalizer(all), source, label, name);
                case BZIP2 -> new Checked(new BZip2CompressorInputStream(all, true), source, label, name);
                case XZ -> throw new IllegalStateException();
            };
        } catch (IOException | RuntimeException e) {
            all.close();
            throw Checked.translate(e, source, label, name);
        }
    }

    /** PLAIN whenever the first block is a valid tar header, so a file name cannot look like a magic. */
    static Format detect(byte[] head) {
        if (head.length == TarHeader.BLOCK) {
            try {
                if (TarHeader.parse(head) != null) {
                    return Format.PLAIN;
                }
            } catch (TarHeader.BadHeader e) {
                // not a tar header: look for a compression magic
            }
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Format.GZIP;
        }
        if (head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return Format.ZSTD;
        }
        if (head.length >= 4 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' && head[3] >= '1' && head[3] <= '9') {
            return Format.BZIP2;
        }
        if (head.length >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X'
                && head[4] == 'Z' && head[5] == 0) {
            return Format.XZ;
        }
        return Format.PLAIN;
    }

    /** Remembers the last exception the raw stream threw, to tell it apart from decoder errors. */
    private static final class Tracked extends FilterInputStream {
        Exception thrown;

        Tracked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException | RuntimeException e) {
                thrown = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                thrown = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException | RuntimeException e) {
                thrown = e;
                throw e;
            }
        }
    }

    /** Rewrites decoder errors into messages naming the input. */
    private static final class Checked extends FilterInputStream {
        /**
         * A decoder loses the bytes it decoded in a read call that then fails: asking for at
         * most this much per call delivers nearly all that came before an error, so the tar
         * reader can say where it struck.
         */
        private static final int PIECE = 16 * 1024;
        private final Tracked source;
        private final String label;
        private final String format;
        /** An error met after some bytes of a read: reported by the next read. */
        private RuntimeException pending;

        Checked(InputStream in, Tracked source, String label, String format) {
            super(in);
            this.source = source;
            this.label = label;
            this.format = format;
        }

        /**
         * The error to report for {@code e}: errors of the raw stream and Kiln's own pass
         * through; a decoder's becomes a one-line {@link CorruptInput}. Decoder messages are
         * kept only when they say something to a user (zstd's own error names, a CRC
         * mismatch); the rest (Commons Compress's internals, zlib's) stay in the stack trace.
         */
        static RuntimeException translate(Exception e, Tracked source, String label, String format) throws IOException {
            if (e == source.thrown || e instanceof KilnException) {
                if (e instanceof IOException io) {
                    throw io;
                }
                return (RuntimeException) e;
            }
            CorruptInput c = new CorruptInput(label + ": " + describe(e, format));
            c.addSuppressed(e);
            return c;
        }

        static String describe(Exception e, String format) {
            if (e instanceof GzipException) {
                return e.getMessage(); // already says it as Kiln says it, with no internals
            }
            String m = String.valueOf(e.getMessage());
            String lower = m.toLowerCase(java.util.Locale.ROOT);
            if (e instanceof EOFException || lower.contains("truncated") || lower.contains("unexpected end")) {
                return "truncated " + format + " data";
            }
            if (lower.contains("not in the .gz format") || lower.contains("not in the bzip2 format")) {
                return "not " + format + " data";
            }
            if (lower.contains("unexpected data after")) {
                return "unexpected data after the end of the " + format + " stream";
            }
            String reason;
            if (lower.contains("crc")) {
                reason = "checksum mismatch";
            } else if (lower.contains("size mismatch")) {
                reason = "length mismatch";
            } else if (lower.contains("compression method")) {
                reason = "unsupported compression method";
            } else if (lower.contains("reserved flags")) {
                reason = "bad header";
            } else if (e instanceof com.github.luben.zstd.ZstdIOException && !m.isBlank()) {
                reason = lower; // zstd's own error names: "data corruption detected", "unknown frame descriptor"
            } else {
                reason = null;
            }
            return "corrupt " + format + " data" + (reason == null ? "" : ": " + reason);
        }

        @Override
        public int read() throws IOException {
            return dev.kiln.io.Streams.readOneByte(this);
        }

        /** Fills {@code b} piece by piece while compressed input is at hand, as one decoder read would. */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pending != null) {
                throw pending;
            }
            int got = 0;
            do {
                int n;
                try {
                    n = in.read(b, off + got, Math.min(len - got, PIECE));
                } catch (IOException | RuntimeException e) {
                    RuntimeException error = translate(e, source, label, format);
                    if (got == 0) {
                        throw error;
                    }
                    pending = error;
                    return got;
                }
                if (n < 0) {
                    return got == 0 ? -1 : got;
                }
                got += n;
            } while (got < len && source.available() > 0);
            return got;
        }

        @Override
        public long skip(long n) throws IOException {
            return n <= 0 ? 0 : Math.max(read(new byte[(int) Math.min(n, PIECE)]), 0);
        }
    }

    /**
     * Compressed data that cannot be decoded: damaged, truncated, or followed by data that is
     * not part of the stream. The message names the input and is fit for the user.
     */
    public static final class CorruptInput extends KilnException {
        public CorruptInput(String message) {
            super(message);
        }
    }
}
