package dev.kiln.ext4;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.zip.Checksum;

import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * Streams blocks to the image in allocation order. Blocks that follow each other on disk are
 * gathered in a staging buffer and written with one positional write, so many small files
 * still make large writes. All-zero file blocks are never allocated: they become holes.
 */
final class DataWriter {
    private static final int STAGE_BLOCKS = 1024; // 4 MiB
    private static final int CHUNK_BLOCKS = 256;  // 1 MiB read from the caller at a time
    private static final byte[] ZERO = new byte[BLOCK_SIZE];

    private final FileChannel channel;
    private final BlockAllocator allocator;
    private final byte[] stage = new byte[STAGE_BLOCKS * BLOCK_SIZE];
    private final byte[] chunk = new byte[CHUNK_BLOCKS * BLOCK_SIZE];
    private long stageStart;
    private int stageBlocks;
    /** Blocks at or past this are counted but not written (the image can't hold them anyway). */
    private long writeLimit = Long.MAX_VALUE;

    DataWriter(FileChannel channel, BlockAllocator allocator) {
        this.channel = channel;
        this.allocator = allocator;
    }

    void limitWritesTo(long blocks) {
        writeLimit = blocks;
    }

    BlockAllocator allocator() {
        return allocator;
    }

    /**
     * Copies exactly {@code size} bytes from {@code in} into newly allocated blocks.
     *
     * @param sum receives every byte read (for deriving the UUID), or null
     * @return the file's extents, packed as in {@link ExtentList}
     */
    long[] writeStream(String path, InputStream in, long size, Checksum sum) throws IOException {
        ExtentList extents = new ExtentList();
        long logical = 0;
        long remaining = size;
        while (remaining > 0) {
            int want = (int) Math.min(chunk.length, remaining);
            int got = in.readNBytes(chunk, 0, want);
            if (got < want) {
                throw new Ext4Exception(path + ": content ended after " + (size - remaining + got)
                        + " of " + size + " bytes");
            }
            if (sum != null) {
                sum.update(chunk, 0, got);
            }
            remaining -= got;
            int blocks = (got + BLOCK_SIZE - 1) / BLOCK_SIZE;
            if (got % BLOCK_SIZE != 0) {
                Arrays.fill(chunk, got, blocks * BLOCK_SIZE, (byte) 0);
            }
            for (int b = 0; b < blocks; b++, logical++) {
                int off = b * BLOCK_SIZE;
                if (Arrays.mismatch(chunk, off, off + BLOCK_SIZE, ZERO, 0, BLOCK_SIZE) < 0) {
                    continue;
                }
                extents.add(logical, writeBlock(chunk, off));
            }
        }
        return extents.toArray();
    }

    /** Writes bytes (padded with zeros to whole blocks) into newly allocated blocks; zeros are kept. */
    long[] writeBytes(byte[] data) throws IOException {
        ExtentList extents = new ExtentList();
        byte[] block = new byte[BLOCK_SIZE];
        for (int off = 0, logical = 0; off < data.length; off += BLOCK_SIZE, logical++) {
            int n = Math.min(BLOCK_SIZE, data.length - off);
            System.arraycopy(data, off, block, 0, n);
            Arrays.fill(block, n, BLOCK_SIZE, (byte) 0);
            extents.add(logical, writeBlock(block, 0));
        }
        return extents.toArray();
    }

    /** Allocates the next block and stages one block of bytes for it; returns its number. */
    long writeBlock(byte[] src, int offset) throws IOException {
        long block = allocator.take(1);
        if (stageBlocks > 0 && (block != stageStart + stageBlocks || stageBlocks == STAGE_BLOCKS)) {
            flush();
        }
        if (block >= writeLimit) {
            return block;
        }
        if (stageBlocks == 0) {
            stageStart = block;
        }
        System.arraycopy(src, offset, stage, stageBlocks * BLOCK_SIZE, BLOCK_SIZE);
        stageBlocks++;
        return block;
    }

    /** The number the next {@link #writeBlock} call will get. */
    long peekNext() {
        return allocator.next();
    }

    void flush() throws IOException {
        if (stageBlocks == 0) {
            return;
        }
        writeAt(channel, ByteBuffer.wrap(stage, 0, stageBlocks * BLOCK_SIZE), stageStart * BLOCK_SIZE);
        stageBlocks = 0;
    }

    static void writeAt(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            position += channel.write(buffer, position);
        }
    }
}
