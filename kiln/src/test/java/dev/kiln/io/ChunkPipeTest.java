package dev.kiln.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkPipeTest {
    @TempDir
    Path dir;

    @Test
    void passesEveryByteThroughAcrossChunkBoundaries() throws IOException {
        byte[] data = new byte[3 * 4096 + 1234];
        new Random(7).nextBytes(data);
        try (ChunkPipe pipe = ChunkPipe.start("test", 4096, 2, () -> new SlowStream(data))) {
            assertThat(pipe.readAllBytes()).isEqualTo(data);
            assertThat(pipe.read()).isEqualTo(-1);
        }
    }

    @Test
    void theProducersFailureArrivesAfterTheBytesBeforeIt() throws IOException {
        byte[] head = {1, 2, 3};
        try (ChunkPipe pipe = ChunkPipe.start("test", 1024, 2, () -> new InputStream() {
            int served;

            @Override
            public int read() throws IOException {
                if (served < head.length) {
                    return head[served++];
                }
                throw new IOException("disk on fire");
            }
        })) {
            byte[] got = new byte[10];
            assertThat(pipe.read(got)).isEqualTo(3);
            assertThat(got).startsWith(head);
            assertThatThrownBy(pipe::read).isInstanceOf(IOException.class).hasMessage("disk on fire");
        }
    }

    @Test
    void bytesReadIntoAChunkBeforeAFailureStillArrive() throws IOException {
        // The producer's second read of a chunk fails: the first read's bytes come first.
        try (ChunkPipe pipe = ChunkPipe.start("test", 1024, 2, () -> new InputStream() {
            int calls;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (calls++ == 0) {
                    b[off] = 42;
                    return 1;
                }
                throw new IOException("corrupt after one byte");
            }

            @Override
            public int available() {
                return 1;
            }
        })) {
            assertThat(pipe.read()).isEqualTo(42);
            assertThatThrownBy(pipe::read).isInstanceOf(IOException.class).hasMessage("corrupt after one byte");
        }
    }

    @Test
    @Timeout(10) // waiting for a full chunk would hang here
    void bytesReachTheConsumerBeforeTheProducerHasAFullChunk() throws Exception {
        java.util.concurrent.CountDownLatch consumed = new java.util.concurrent.CountDownLatch(1);
        try (ChunkPipe pipe = ChunkPipe.start("test", 1 << 20, 2, () -> new InputStream() {
            boolean served;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!served) {
                    served = true;
                    b[off] = 42;
                    return 1;
                }
                // Like a download that stalls: no more bytes until the first one was consumed.
                try {
                    consumed.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                return -1;
            }
        })) {
            assertThat(pipe.read()).isEqualTo(42);
            consumed.countDown();
            assertThat(pipe.read()).isEqualTo(-1);
        }
    }

    @Test
    void closingEarlyStopsTheProducerWithoutClosingAChannelItShares() throws Exception {
        Path file = dir.resolve("archive");
        Files.write(file, new byte[1 << 20]);
        AtomicReference<Thread> producer = new AtomicReference<>();
        AtomicBoolean closedByConsumer = new AtomicBoolean();
        try (FileChannel shared = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream blob = Channels.newInputStream(shared);
            ChunkPipe pipe = ChunkPipe.start("test-producer", 4096, 1, () -> {
                producer.set(Thread.currentThread());
                // As an archive's blob streams do: closing one leaves the archive's channel open.
                return new FilterInputStream(blob) {
                    private int reads;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (reads++ == 1) {
                            // Still inside a read when the consumer closes: an interrupt sent now
                            // would make the channel read below close the shared channel.
                            while (!closedByConsumer.get()) {
                                Thread.onSpinWait();
                            }
                        }
                        return super.read(b, off, len);
                    }

                    @Override
                    public void close() {
                    }
                };
            });
            assertThat(pipe.read(new byte[100])).isEqualTo(100);
            pipe.close();
            closedByConsumer.set(true);
            producer.get().join(5_000);
            assertThat(producer.get().isAlive()).isFalse();
            assertThat(shared.isOpen()).isTrue();
            assertThatThrownBy(pipe::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
        }
    }

    /** Hands out a few bytes per read, so chunks are filled from many reads. */
    private static final class SlowStream extends InputStream {
        private final byte[] data;
        private int pos;

        SlowStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 777), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
