package dev.kiln.flatten;

import dev.kiln.source.Layer;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Decompresses layers on background threads, one layer ahead of the one being consumed, into
 * bounded queues of chunks: the current layer's tar parsing and writing overlap with its own
 * decompression and with the next layer's.
 */
final class Prefetcher implements AutoCloseable {
    private static final int CHUNK = 256 * 1024;
    /** Per layer; with two layers in flight at most 2 x 32 x 256 KiB = 16 MiB are buffered. */
    private static final int QUEUED_CHUNKS = 32;
    private static final byte[] END = new byte[0];

    private final List<Layer> layers;
    private final List<Pump> pumps = new ArrayList<>();

    /** @param layers in the order they will be taken */
    Prefetcher(List<Layer> layers) {
        this.layers = layers;
    }

    /** The uncompressed stream of layer {@code i}; starts decompressing layer {@code i + 1}. */
    synchronized InputStream take(int i) {
        while (pumps.size() <= Math.min(i + 1, layers.size() - 1)) {
            Pump p = new Pump(layers.get(pumps.size()));
            pumps.add(p);
            p.start();
        }
        return pumps.get(i).stream();
    }

    @Override
    public synchronized void close() {
        for (Pump p : pumps) {
            p.cancel();
        }
    }

    private static final class Pump extends Thread {
        private final Layer layer;
        private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUED_CHUNKS);
        private volatile boolean cancelled;
        private volatile Throwable failure;

        Pump(Layer layer) {
            super("kiln-layer-" + layer.digest());
            setDaemon(true);
            this.layer = layer;
        }

        @Override
        public void run() {
            try (InputStream in = layer.open()) {
                while (!cancelled) {
                    byte[] chunk = new byte[CHUNK];
                    int n = in.readNBytes(chunk, 0, CHUNK);
                    if (n > 0 && !put(n == CHUNK ? chunk : java.util.Arrays.copyOf(chunk, n))) {
                        return;
                    }
                    if (n < CHUNK) {
                        break;
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
            put(END);
        }

        /** No interrupts: they would close a FileChannel shared with other layers' streams. */
        private boolean put(byte[] chunk) {
            try {
                while (!cancelled) {
                    if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        void cancel() {
            cancelled = true;
            queue.clear();
        }

        InputStream stream() {
            return new InputStream() {
                private byte[] chunk = new byte[0];
                private int pos;
                private boolean ended;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    while (pos == chunk.length) {
                        if (ended) {
                            return -1;
                        }
                        byte[] next;
                        try {
                            next = queue.take();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(layer.digest() + ": interrupted");
                        }
                        if (next == END) {
                            ended = true;
                            rethrow();
                            return -1;
                        }
                        chunk = next;
                        pos = 0;
                    }
                    int n = Math.min(len, chunk.length - pos);
                    System.arraycopy(chunk, pos, b, off, n);
                    pos += n;
                    return n;
                }

                @Override
                public void close() {
                    cancel();
                }
            };
        }

        private void rethrow() throws IOException {
            Throwable t = failure;
            if (t == null) {
                return;
            }
            if (t instanceof IOException io) {
                throw io;
            }
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new IOException(layer.digest() + ": " + t, t);
        }
    }
}
