package dev.kiln.flatten;

import dev.kiln.image.Layer;
import dev.kiln.io.ChunkPipe;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Decompresses layers on background threads, one layer ahead of the one being consumed, into
 * bounded queues of chunks: the current layer's tar parsing and writing overlap with its own
 * decompression and with the next layer's. The one owner of read-ahead: a layer's open() reads,
 * verifies and decodes on the thread that calls it (see {@code tar.Decompress}), and it is
 * called here, on the layer's own thread, so every build has one thread per layer in flight
 * and no stage hands chunks to another inside a source.
 */
final class Prefetcher implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;
    /** Per layer; with two layers in flight at most 2 x 34 x 256 KiB, about 17 MiB, are buffered. */
    private static final int QUEUED_CHUNKS = 32;

    private final List<Layer> layers;
    private final List<ChunkPipe> pumps = new ArrayList<>();

    /** @param layers in the order they will be taken */
    Prefetcher(List<Layer> layers) {
        this.layers = layers;
    }

    /** Starts decompressing the first two layers, before anyone asks for them. */
    synchronized void start() {
        startUpTo(1);
    }

    /**
     * The uncompressed stream of layer {@code i} (null for a layer that is not a tar stream);
     * starts decompressing layer {@code i + 1}.
     */
    synchronized InputStream take(int i) {
        startUpTo(i + 1);
        return pumps.get(i);
    }

    private void startUpTo(int last) {
        while (pumps.size() <= Math.min(last, layers.size() - 1)) {
            Layer layer = layers.get(pumps.size());
            pumps.add(layer.isTarStream() ? ChunkPipe.start("kiln-layer-" + layer.digest(), CHUNK, QUEUED_CHUNKS,
                    layer::open) : null);
        }
    }

    @Override
    public synchronized void close() {
        for (ChunkPipe p : pumps) {
            if (p != null) {
                p.close();
            }
        }
    }
}
