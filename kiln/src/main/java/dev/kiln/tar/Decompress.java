package dev.kiln.tar;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.kiln.KilnException;
import dev.kiln.io.ChunkPipe;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.zip.GZIPInputStream;

/**
 * Opens a possibly compressed tar stream: gzip (also multi-member), zstd, bzip2 or plain,
 * detected from the content rather than a name or media type. Decompression runs on a thread of
 * its own, handing large chunks to the caller, so it overlaps the caller's work.
 */
public final class Decompress {
    /** The JDK's Inflater is fastest here with large buffers (about 450 MB/s measured). */
    private static final int GZIP_BUFFER = 64 * 1024;
    /** Hand-over between the decompressing thread and the reader: 8 MiB in flight at most. */
    private static final int CHUNK = 1 << 20;
    private static final int DEPTH = 8;

    public enum Format { PLAIN, GZIP, ZSTD, BZIP2, XZ }

    private Decompress() {
    }

    /**
     * Returns the decompressed stream; detection and decompression happen on a background thread.
     * Errors name {@code label} ("tar:rootfs.tar: corrupt gzip data: ..."); errors that the raw
     * stream itself throws (a digest mismatch, say) pass through unchanged. Closing the result
     * closes {@code raw}.
     */
    public static InputStream open(InputStream raw, String label) {
        if (Boolean.getBoolean("kiln.inlineDecompress")) {
            // Diagnostic switch for the benchmark: measures what the separate thread buys.
            try {
                return decompress(raw, label);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e.getMessage(), e);
            }
        }
        return ChunkPipe.start("kiln-decompress " + label, CHUNK, DEPTH, () -> decompress(raw, label));
    }

    /** Like {@link #open} but decompresses on the caller's thread. */
    public static InputStream decompress(InputStream raw, String label) throws IOException {
        Tracked source = new Tracked(raw);
        byte[] head = source.readNBytes(TarHeader.BLOCK);
        Format format = detect(head);
        if (format == Format.XZ) {
            source.close();
            throw new KilnException(label + ": xz-compressed input is not supported; decompress it first (xz -d)");
        }
        InputStream all = new SequenceInputStream(new ByteArrayInputStream(head), source) {
            @Override
            public void close() throws IOException {
                source.close();
            }
        };
        try {
            return switch (format) {
                case PLAIN -> all;
                case GZIP -> new Checked(new GZIPInputStream(all, GZIP_BUFFER), source, label, "gzip");
                case ZSTD -> new Checked(new ZstdInputStreamNoFinalizer(all), source, label, "zstd");
                case BZIP2 -> new Checked(new BZip2CompressorInputStream(all, true), source, label, "bzip2");
                case XZ -> throw new IllegalStateException();
            };
        } catch (IOException e) {
            all.close();
            throw Checked.translate(e, source, label, format.name().toLowerCase());
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
        IOException thrown;

        Tracked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                thrown = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                thrown = e;
                throw e;
            }
        }
    }

    /** Rewrites decoder errors into messages naming the input. */
    private static final class Checked extends FilterInputStream {
        private final Tracked source;
        private final String label;
        private final String format;

        Checked(InputStream in, Tracked source, String label, String format) {
            super(in);
            this.source = source;
            this.label = label;
            this.format = format;
        }

        static IOException translate(IOException e, Tracked source, String label, String format) {
            if (e == source.thrown) {
                return e;
            }
            if (e instanceof EOFException || String.valueOf(e.getMessage()).toLowerCase().contains("truncated")) {
                return new KilnIOException(label + ": truncated " + format + " data", e);
            }
            return new KilnIOException(label + ": corrupt " + format + " data: " + e.getMessage(), e);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw translate(e, source, label, format);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw translate(e, source, label, format);
            }
        }
    }

    /** An IOException whose message is already fit for the user. */
    static final class KilnIOException extends IOException {
        KilnIOException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
