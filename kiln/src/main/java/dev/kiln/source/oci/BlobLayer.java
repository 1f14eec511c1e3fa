package dev.kiln.source.oci;

import dev.kiln.DigestMismatch;
import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.io.Streams;
import dev.kiln.tar.Decompress;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A layer blob in a store; every open() verifies digest and size and decompresses by media type.
 * Nothing here runs ahead of the reader: the flattener's Prefetcher reads layers on threads of
 * its own.
 */
final class BlobLayer implements Layer {
    private static final int BUFFER = 64 * 1024;

    private final BlobStore store;
    private final Descriptor descriptor;
    private final MediaTypes.Compression compression;

    BlobLayer(BlobStore store, Descriptor descriptor) {
        // Fail on an unknown media type when the image is opened, before any work is done.
        this(store, descriptor, MediaTypes.layerCompression(descriptor.digest(), descriptor.mediaType()));
    }

    BlobLayer(BlobStore store, Descriptor descriptor, MediaTypes.Compression compression) {
        this.store = store;
        this.descriptor = descriptor;
        this.compression = compression;
    }

    @Override
    public String digest() {
        return descriptor.digest();
    }

    @Override
    public String mediaType() {
        return descriptor.mediaType();
    }

    @Override
    public long size() {
        return descriptor.size();
    }

    @Override
    public InputStream open() throws IOException {
        return decoded(store.openVerified(descriptor), descriptor.digest(), compression);
    }

    /**
     * The uncompressed stream of {@code blob}, a stream that checks the blob's digest when it
     * reaches its end. Its own end also drains {@code blob}, because a decompressor may stop
     * before the blob's last bytes (trailing padding, a second gzip member it rejects), and the
     * digest must cover every byte. A layer whose media type does not name its compression (a
     * docker-archive layer) is detected from its content.
     */
    static InputStream decoded(InputStream blob, String digest, MediaTypes.Compression compression)
            throws IOException {
        InputStream raw = new BufferedInputStream(blob, BUFFER);
        InputStream decoded;
        try {
            decoded = switch (compression) {
                case NONE -> Decompress.open(raw, Decompress.Format.PLAIN, digest);
                case GZIP -> Decompress.open(raw, Decompress.Format.GZIP, digest);
                case ZSTD -> Decompress.open(raw, Decompress.Format.ZSTD, digest);
                case DETECT -> Decompress.open(raw, digest);
            };
        } catch (Decompress.CorruptInput e) {
            throw ReadsBlobToEnd.digestFirst(e, blob);
        }
        return new ReadsBlobToEnd(decoded, blob);
    }

    private static final class ReadsBlobToEnd extends FilterInputStream {
        private final InputStream blob;
        private boolean done;

        ReadsBlobToEnd(InputStream in, InputStream blob) {
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
