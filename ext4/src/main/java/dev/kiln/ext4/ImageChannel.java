package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional reads from the image. Every block number is checked against the filesystem's
 * size before it is read, so a structure pointing outside the filesystem is an error naming
 * what pointed there, never a short read.
 */
final class ImageChannel {
    private final FileChannel channel;
    private final String label;
    private int blockSize = SuperblockView.SIZE;
    private long blocksCount = Long.MAX_VALUE;

    ImageChannel(FileChannel channel, String label) {
        this.channel = channel;
        this.label = label;
    }

    String label() {
        return label;
    }

    long size() throws IOException {
        return channel.size();
    }

    void setGeometry(int blockSize, long blocksCount) {
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
    }

    int blockSize() {
        return blockSize;
    }

    long blocksCount() {
        return blocksCount;
    }

    /** Fills {@code dst} from byte {@code position}; the image ending first is an error. */
    void read(long position, ByteBuffer dst) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new Ext4Exception(label + ": image ends at byte " + at + " (truncated while being read?)");
            }
            at += n;
        }
    }

    byte[] read(long position, int length) throws IOException {
        byte[] out = new byte[length];
        read(position, ByteBuffer.wrap(out));
        return out;
    }

    /**
     * One block; {@code where} names what asked for it, for the error when the block number is
     * outside the filesystem.
     */
    byte[] block(long number, String where) throws IOException {
        checkBlock(number, 1, where);
        return read(number * blockSize, blockSize);
    }

    /** Fails unless blocks [number, number + count) lie inside the filesystem. */
    void checkBlock(long number, long count, String where) throws Ext4Exception {
        if (number < 0 || count < 0 || number >= blocksCount || count > blocksCount - number) {
            throw new Ext4Exception(where + ": block " + Long.toUnsignedString(number)
                    + (count > 1 ? " (+" + count + ")" : "") + " is outside the filesystem (" + blocksCount
                    + " blocks)");
        }
    }
}
