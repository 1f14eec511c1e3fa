package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs a producer stream on its own thread and hands its bytes to one consumer in large chunks
 * through a bounded queue, so that producing (reading and hashing a blob, decompressing a layer)
 * overlaps whatever the consumer does with the data. Memory is bounded by
 * {@code (depth + 2) * chunkSize}.
 *
 * <p>Closing the consumer side never interrupts the producer: an interrupt would close a
 * {@code FileChannel} the producer reads, and archives share one channel among all their blobs.
 * The producer notices the close at its next chunk instead.
 */
public final class ChunkPipe extends InputStream {
    /** What the producer thread reads from; opened on that thread so slow setup overlaps too. */
    public interface Source {
        InputStream open() throws IOException;
    }

    private record Chunk(byte[] buf, int len, Throwable error) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0, null);
    private static final long POLL_MILLIS = 100;

    private final int chunkSize;
    private final BlockingQueue<Chunk> full;
    private final BlockingQueue<byte[]> free;
    private volatile boolean closed;
    private Chunk cur;
    private int pos;

    private ChunkPipe(int chunkSize, int depth) {
        this.chunkSize = chunkSize;
        this.full = new ArrayBlockingQueue<>(depth + 1);
        this.free = new ArrayBlockingQueue<>(depth + 2);
    }

    /** Starts a daemon thread named {@code threadName} that reads {@code source} to its end. */
    public static ChunkPipe start(String threadName, int chunkSize, int depth, Source source) {
        ChunkPipe pipe = new ChunkPipe(chunkSize, depth);
        Thread t = new Thread(() -> pipe.produce(source), threadName);
        t.setDaemon(true);
        t.start();
        return pipe;
    }

    private void produce(Source source) {
        try (InputStream in = source.open()) {
            boolean ended = false;
            while (!closed && !ended) {
                byte[] buf = newBuffer();
                int len = 0;
                Throwable failure = null;
                // Fill the chunk while the source has more at hand; hand over what there is as
                // soon as it has not (a layer still downloading, a pipe), so a trickling source
                // reaches the consumer without waiting for a full chunk.
                try {
                    do {
                        int n = in.read(buf, len, chunkSize - len);
                        if (n < 0) {
                            ended = true;
                            break;
                        }
                        len += n;
                    } while (len < chunkSize && in.available() > 0);
                } catch (Throwable e) {
                    failure = e; // after the bytes read before it, so the consumer sees where it struck
                }
                if (len > 0 && !put(new Chunk(buf, len, null))) {
                    return;
                }
                if (failure != null) {
                    put(new Chunk(null, 0, failure));
                    return;
                }
            }
            if (!closed) {
                put(END);
            }
        } catch (Throwable e) {
            put(new Chunk(null, 0, e));
        }
    }

    /** False once the consumer has closed; waits in slices so a close is noticed. */
    private boolean put(Chunk chunk) {
        try {
            while (!closed) {
                if (full.offer(chunk, POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private byte[] newBuffer() {
        byte[] b = free.poll();
        return b != null ? b : new byte[chunkSize];
    }

    /** True when bytes are ready, false at the end; throws what the producer hit. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (cur != null && pos < cur.len) {
            return true;
        }
        if (cur == END) {
            return false;
        }
        if (cur != null) {
            free.offer(cur.buf);
        }
        try {
            cur = full.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for data");
        }
        pos = 0;
        if (cur.error != null) {
            Throwable e = cur.error;
            cur = END; // reported once; readers above remember a failure themselves
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new IOException(e);
        }
        return cur != END;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return cur.buf[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, cur.len - pos);
        System.arraycopy(cur.buf, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return cur == null || cur == END ? 0 : cur.len - pos;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            full.clear();
        }
    }
}
