package dev.kiln.output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

class BackgroundFlushTest {
    @TempDir
    Path dir;

    @Test
    void closeStopsTheThreadSoTheChannelCanBeClosed() throws Exception {
        Path file = dir.resolve("image");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            BackgroundFlush flush = BackgroundFlush.start(channel);
            try (flush) {
                assertThat(flush.thread().isAlive()).isTrue();
                for (int i = 0; i < 20; i++) {
                    channel.write(ByteBuffer.wrap(new byte[1 << 16]), (long) i << 20);
                    Thread.sleep(25);   // long enough for a flush or two to run beside the writes
                }
            }
            assertThat(flush.thread().isAlive()).isFalse();
        }
        assertThat(Files.size(file)).isEqualTo((19L << 20) + (1 << 16));
    }

    @Test
    void aFailingFlushEndsQuietlyAndLeavesTheErrorToTheFinalSync() throws Exception {
        Path file = dir.resolve("image");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        BackgroundFlush flush = BackgroundFlush.start(channel);
        channel.close();   // every force() now fails
        flush.thread().join(30_000);
        assertThat(flush.thread().isAlive()).as("ended by itself, before close").isFalse();
        flush.close();
    }
}
