package dev.kiln.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a producer stream on its own thread and hands its bytes to the consumer in large chunks
 * through a bounded queue, so that decompression overlaps whatever the consumer does with the
 * data (writing it into the image). Memory is bounded by {@code (DEPTH + 2) * CHUNK}.
 */
final class ChunkPipe {
    static final int CHUNK = 1 << 20;
    static final int DEPTH = 8;

    /** What the producer thread reads from; opened on that thread so slow setup overlaps too. */
    interface Source {
        InputStream open() throws IOException;
    }

    private record Chunk(byte[] buf, int len, Throwable error) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0, null);

    private ChunkPipe() {
    }

    static Reader start(String threadName, Source source) {
        Reader reader = new Reader();
        Thread t = new Thread(() -> reader.produce(source), threadName);
        t.setDaemon(true);
        reader.producer = t;
        t.start();
        return reader;
    }

    /** The consumer side. Not thread-safe: one consumer. */
    static final class Reader extends InputStream {
        private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(DEPTH);
        private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH + 2);
        private volatile boolean closed;
        private Thread producer;
        private Chunk cur;
        private int pos;

        private void produce(Source source) {
            try (InputStream in = source.open()) {
                byte[] buf = newBuffer();
                int len = 0;
                while (!closed) {
                    int n = in.read(buf, len, CHUNK - len);
                    if (n < 0) {
                        break;
                    }
                    len += n;
                    if (len == CHUNK) {
                        full.put(new Chunk(buf, len, null));
                        buf = newBuffer();
                        len = 0;
                    }
                }
                if (len > 0) {
                    full.put(new Chunk(buf, len, null));
                }
                full.put(END);
            } catch (InterruptedException e) {
                // closed by the consumer
            } catch (Throwable e) {
                if (!closed) {
                    try {
                        full.put(new Chunk(null, 0, e));
                    } catch (InterruptedException ignored) {
                        // closed by the consumer
                    }
                }
            }
        }

        private byte[] newBuffer() {
            byte[] b = free.poll();
            return b != null ? b : new byte[CHUNK];
        }

        /** True when bytes are ready, false at the end; throws what the producer hit. */
        private boolean fill() throws IOException {
            if (cur != null && pos < cur.len) {
                return true;
            }
            if (cur == END) {
                return false;
            }
            if (closed) {
                throw new IOException("stream closed");
            }
            if (cur != null) {
                free.offer(cur.buf);
            }
            try {
                cur = full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for decompressed data");
            }
            pos = 0;
            if (cur.error != null) {
                Throwable e = cur.error;
                cur = END; // the failure is reported once; the tar reader remembers it
                if (e instanceof IOException io) {
                    throw io;
                }
                if (e instanceof RuntimeException r) {
                    throw r;
                }
                throw (Error) e;
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
                producer.interrupt();
                full.clear();
            }
        }
    }
}
