package dev.kiln.build;

import dev.kiln.entry.EntryStream;
import dev.kiln.image.ForwardingImage;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the build has read its layers, for an ETA: an image whose layers count the bytes
 * read from them. Sources give a layer's stored size but not how much of it a decompressing
 * reader has consumed, so for a compressed layer that is estimated from the uncompressed
 * bytes read and the ratio of the compressed layers finished so far; before one has
 * finished (and for a tar: source, whose compression the media type does not say) there is
 * no estimate, rather than a guess. An uncompressed layer is exact. Thread-safe: layers are
 * read ahead on other threads.
 */
final class LayerMeter {
    private final List<Counted> layers;

    private LayerMeter(List<Counted> layers) {
        this.layers = layers;
    }

    /** A meter with no layers: nothing to estimate from. */
    static LayerMeter none() {
        return new LayerMeter(List.of());
    }

    /** One meter over the layers of every meter in {@code meters}: several images read in one build. */
    static LayerMeter combined(List<LayerMeter> meters) {
        return new LayerMeter(meters.stream().flatMap(m -> m.layers.stream()).toList());
    }

    /** {@code image} with every layer counted; {@link #fraction()} of the meter tells how far. */
    static Metered wrap(Image image) {
        List<Counted> layers = image.layers().stream().map(Counted::new).toList();
        return new Metered(new MeteredImage(image, layers), new LayerMeter(layers));
    }

    /**
     * The part of the layers' stored bytes consumed so far, 0 to 1; -1 when it cannot be known
     * (a layer of unknown size, such as a tar: or dir: source).
     */
    double fraction() {
        long total = 0;
        long doneStored = 0;
        long compressedStored = 0;
        long compressedRead = 0;
        for (Counted l : layers) {
            if (l.size() < 0) {
                return -1;
            }
            total += l.size();
            if (l.done) {
                doneStored += l.size();
                if (l.kind == Kind.COMPRESSED) {
                    compressedStored += l.size();
                    compressedRead += l.read.get();
                }
            }
        }
        if (total == 0) {
            return -1;
        }
        double ratio = compressedStored > 0 && compressedRead > 0 ? (double) compressedRead / compressedStored : -1;
        double consumed = doneStored;
        for (Counted l : layers) {
            if (l.done || l.read.get() == 0) {
                continue;
            }
            if (l.kind == Kind.UNCOMPRESSED) {
                consumed += Math.min(l.size(), l.read.get());
            } else if (l.kind == Kind.COMPRESSED && ratio > 0) {
                consumed += Math.min(l.size(), l.read.get() / ratio);
            } else {
                return -1;
            }
        }
        return Math.min(1, consumed / total);
    }

    /** What a layer's media type says about how its stored bytes relate to the bytes read. */
    enum Kind {
        /** Stored as read (an OCI or Docker .tar layer). */
        UNCOMPRESSED,
        /** gzip or zstd: the ratio is learned from finished layers. */
        COMPRESSED,
        /** A rootfs tar given as tar:, compressed or not; a layer that is no tar stream (ext4:). */
        UNKNOWN;

        static Kind of(Layer layer) {
            if (!layer.isTarStream() || Layer.RootfsTar.MEDIA_TYPE.equals(layer.mediaType())) {
                return UNKNOWN;
            }
            try {
                return switch (MediaTypes.layerCompression(layer.digest(), layer.mediaType())) {
                    case NONE -> UNCOMPRESSED;
                    case GZIP, ZSTD -> COMPRESSED;
                    case DETECT -> UNKNOWN;
                };
            } catch (RuntimeException unsupported) {
                return UNKNOWN;   // the source itself refuses it, and says so
            }
        }
    }

    /** An image and its meter. */
    record Metered(Image image, LayerMeter meter) {
    }

    /** A layer that counts what is read from its uncompressed stream. */
    private static final class Counted implements Layer {
        private final Layer layer;
        private final Kind kind;
        private final AtomicLong read = new AtomicLong();
        private volatile boolean done;

        Counted(Layer layer) {
            this.layer = layer;
            this.kind = Kind.of(layer);
        }

        @Override
        public String digest() {
            return layer.digest();
        }

        @Override
        public String mediaType() {
            return layer.mediaType();
        }

        @Override
        public long size() {
            return layer.size();
        }

        @Override
        public boolean isTarStream() {
            return layer.isTarStream();
        }

        /** A tar stream is read through {@link #open()}, counted; other layers (ext4:) as they are. */
        @Override
        public EntryStream entries() throws IOException {
            return layer.isTarStream() ? Layer.super.entries() : layer.entries();
        }

        @Override
        public InputStream open() throws IOException {
            InputStream in = layer.open();
            if (done) {
                return in;   // read again on a slow path: it was counted once
            }
            read.set(0);
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    count(b < 0 ? -1 : 1);
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    count(n);
                    return n;
                }

                @Override
                public long skip(long n) throws IOException {
                    long skipped = super.skip(n);
                    read.addAndGet(skipped);
                    return skipped;
                }
            };
        }

        private void count(int n) {
            if (n < 0) {
                done = true;
            } else {
                read.addAndGet(n);
            }
        }
    }

    /** The image with counted layers; everything else is the image's own. */
    static final class MeteredImage extends ForwardingImage {
        private final List<Layer> layers;

        MeteredImage(Image image, List<? extends Layer> layers) {
            super(image);
            this.layers = List.copyOf(layers);
        }

        @Override
        public List<Layer> layers() {
            return layers;
        }
    }
}
