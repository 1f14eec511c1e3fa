package dev.kiln.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsTest {
    /** Hands out 0xFE, then nothing once, then 0x01, then the end, all through its bulk read. */
    private static final class Bulk extends InputStream {
        private final int[] script = {0xFE, -2, 0x01, -1};
        private int step;

        @Override
        public int read() throws IOException {
            return Streams.readOneByte(this);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int next = script[Math.min(step++, script.length - 1)];
            if (next == -2) {
                return 0;
            }
            if (next < 0) {
                return -1;
            }
            b[off] = (byte) next;
            return 1;
        }
    }

    @Test
    void singleByteReadsGoThroughTheBulkReadAsUnsignedValues() throws IOException {
        InputStream in = new Bulk();
        assertThat(in.read()).isEqualTo(0xFE);
        assertThat(in.read()).as("a bulk read of nothing is retried, not taken for the end").isEqualTo(0x01);
        assertThat(in.read()).isEqualTo(-1);
    }
}
