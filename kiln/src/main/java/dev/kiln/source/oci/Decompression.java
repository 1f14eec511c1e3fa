package dev.kiln.source.oci;

import dev.kiln.DigestMismatch;
import dev.kiln.KilnException;
import dev.kiln.io.Streams;
import dev.kiln.tar.Decompress;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Turns a verified blob stream into the uncompressed layer tar. */
public final class Decompression {
    private static final int BUFFER = 64 * 1024;

    private Decompression() {
    }

    /**
     * The uncompressed stream of {@code blob}, a stream that checks the blob's digest when it
     * reaches its end. Its own end also drains {@code blob}, because a decompressor may stop
     * before the blob's last bytes (trailing padding, a second gzip member it rejects), and the
     * digest must cover every byte.
     */
    public static InputStream open(InputStream blob, String digest, MediaTypes.Compression compression)
            throws IOException {
        InputStream raw = new BufferedInputStream(blob, BUFFER);
        MediaTypes.Compression kind = compression == MediaTypes.Compression.DETECT ? detect(raw) : compression;
        Decompress.Format format = switch (kind) {
            case NONE -> Decompress.Format.PLAIN;
            case GZIP -> Decompress.Format.GZIP;
            case ZSTD -> Decompress.Format.ZSTD;
            case DETECT -> throw new IllegalStateException();
        };
        InputStream decoded;
        try {
            decoded = Decompress.decoder(raw, format, digest);
        } catch (Decompress.CorruptInput e) {
            throw EndVerifying.digestFirst(e, blob);
        }
        return new EndVerifying(decoded, blob);
    }

    static MediaTypes.Compression detect(InputStream in) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return MediaTypes.Compression.GZIP;
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return MediaTypes.Compression.ZSTD;
        }
        return MediaTypes.Compression.NONE;
    }

    private static final class EndVerifying extends FilterInputStream {
        private final InputStream blob;
        private boolean done;

        EndVerifying(InputStream in, InputStream blob) {
            super(in);
            this.blob = blob;
        }

        @Override
        public int read() throws IOException {
            return Streams.readOneByte(this);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (Decompress.CorruptInput e) {
                throw digestFirst(e, blob);
            }
            if (n < 0 && !done) {
                done = true;
                drain(blob);
            }
            return n;
        }

        /**
         * A corrupt blob usually shows up as a decoding error first; when the digest check
         * fails too, that says why, so it is the error to report.
         */
        static KilnException digestFirst(Decompress.CorruptInput decodingError, InputStream blob) {
            try {
                drain(blob);
            } catch (DigestMismatch digestFailure) {
                digestFailure.addSuppressed(decodingError);
                return digestFailure;
            } catch (IOException | KilnException ignored) {
                // not the content's fault (a download that broke off): report the decoding error
            }
            return decodingError;
        }

        /** Reading to the end is what verifies the digest. */
        private static void drain(InputStream blob) throws IOException {
            byte[] buf = new byte[BUFFER];
            while (blob.read(buf, 0, buf.length) >= 0) {
                // the stream hashes what passes
            }
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
