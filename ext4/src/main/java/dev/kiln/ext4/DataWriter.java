package dev.kiln.ext4;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Checksum;

import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * Streams blocks to the image in allocation order. Blocks that follow each other on disk are
 * gathered in a staging buffer and written with one positional write, so many small files
 * still make large writes. All-zero file blocks are never allocated: they become holes, and
 * so does every block outside a sparse file's data regions, without being looked at.
 */
final class DataWriter {
    private static final int STAGE_BLOCKS = 1024; // 4 MiB
    private static final int CHUNK_BLOCKS = 256;  // 1 MiB read from the caller at a time
    private static final byte[] ZERO = new byte[BLOCK_SIZE];

    private final FileChannel channel;
    private final BlockAllocator allocator;
    private final byte[] stage = new byte[STAGE_BLOCKS * BLOCK_SIZE];
    private final byte[] chunk = new byte[CHUNK_BLOCKS * BLOCK_SIZE];
    private final byte[] partial = new byte[BLOCK_SIZE];
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
     * @param sum receives every block written (for deriving the UUID), or null
     * @return the file's extents, packed as in {@link ExtentList}
     */
    long[] writeStream(String path, InputStream in, long size, Checksum sum) throws IOException {
        return writeRegions(path, List.of(new DataRegion(0, size)), in, sum);
    }

    /**
     * Writes a file's data regions at their logical blocks: {@code in} holds the regions' bytes
     * back to back. Only blocks a region touches are looked at, so holes cost nothing whatever
     * their size; a block two regions share is assembled before it is written.
     *
     * @param regions in increasing order, not overlapping
     * @param sum     receives each block written, after its logical number (for deriving the UUID), or
     *                null: what lands on disk, so a file gives the same sum however its holes were
     *                described (a tar's byte-exact sparse map, the block-wise extents of an image)
     * @return the file's extents, packed as in {@link ExtentList}
     */
    long[] writeRegions(String path, List<DataRegion> regions, InputStream in, Checksum sum) throws IOException {
        ExtentList extents = new ExtentList();
        Reader reader = new Reader(path, in, regions.stream().mapToLong(DataRegion::length).sum());
        long partialBlock = -1; // the logical block held in `partial`, not yet written
        for (DataRegion region : regions) {
            long pos = region.offset();
            long end = region.offset() + region.length();
            while (pos < end) {
                long block = pos / BLOCK_SIZE;
                int within = (int) (pos % BLOCK_SIZE);
                if (partialBlock >= 0 && block != partialBlock) {
                    addBlock(extents, partialBlock, partial, 0, sum);
                    partialBlock = -1;
                }
                if (partialBlock < 0 && within == 0 && end - pos >= BLOCK_SIZE) {
                    // Whole blocks: read many at a time.
                    int n = (int) Math.min(chunk.length, (end - pos) / BLOCK_SIZE * BLOCK_SIZE);
                    reader.read(chunk, 0, n);
                    for (int b = 0; b < n / BLOCK_SIZE; b++) {
                        addBlock(extents, block + b, chunk, b * BLOCK_SIZE, sum);
                    }
                    pos += n;
                    continue;
                }
                if (partialBlock < 0) {
                    Arrays.fill(partial, (byte) 0);
                    partialBlock = block;
                }
                int n = (int) Math.min(BLOCK_SIZE - within, end - pos);
                reader.read(partial, within, n);
                pos += n;
            }
        }
        if (partialBlock >= 0) {
            addBlock(extents, partialBlock, partial, 0, sum);
        }
        return extents.toArray();
    }

    /** Writes one logical block unless it is all zeros (then it stays a hole). */
    private void addBlock(ExtentList extents, long logical, byte[] src, int offset, Checksum sum) throws IOException {
        if (Arrays.mismatch(src, offset, offset + BLOCK_SIZE, ZERO, 0, BLOCK_SIZE) >= 0) {
            extents.add(logical, writeBlock(src, offset));
            if (sum != null) {
                for (int shift = 56; shift >= 0; shift -= 8) {
                    sum.update((int) (logical >>> shift));
                }
                sum.update(src, offset, BLOCK_SIZE);
            }
        }
    }

    /** Reads a file's data exactly; a short stream is an error naming the path. */
    private static final class Reader {
        private final String path;
        private final InputStream in;
        private final long total;
        private long done;

        Reader(String path, InputStream in, long total) {
            this.path = path;
            this.in = in;
            this.total = total;
        }

        void read(byte[] buffer, int offset, int length) throws IOException {
            int got = in.readNBytes(buffer, offset, length);
            if (got < length) {
                throw new Ext4Exception(path + ": content ended after " + (done + got) + " of " + total + " bytes");
            }
            done += got;
        }
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
