package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * Builds an inode's extent tree: up to four extents sit in i_block itself; more go into leaf
 * blocks (340 entries each) under index levels, built bottom-up so every block's children
 * already have numbers when it is written.
 */
final class ExtentTree {
    static final int HEADER_SIZE = 12;
    static final int ENTRY_SIZE = 12;
    static final int IN_INODE = 4;
    static final int PER_BLOCK = (BLOCK_SIZE - HEADER_SIZE - 4) / ENTRY_SIZE;
    static final int EXTENTS_FL = 0x80000;

    /** Writes one tree block, returning the block number it was given. */
    interface BlockSink {
        long write(byte[] block) throws IOException;
    }

    /** i_block's 60 bytes and how many tree blocks were written (they count in i_blocks). */
    record Built(byte[] iBlock, int treeBlocks) {
    }

    /** The extent header (ext4_extent_header): magic, entries, max, depth, generation. */
    record Header(int entries, int max, int depth) {
        static final int SIZE = HEADER_SIZE;

        void encode(ByteBuffer b) {
            b.putShort((short) 0xF30A).putShort((short) entries).putShort((short) max)
                    .putShort((short) depth).putInt(0);
        }
    }

    /** A leaf entry (ext4_extent) or, with isIndex, an index entry (ext4_extent_idx). */
    record Entry(long logical, long physical, int length, boolean isIndex) {
        static final int SIZE = ENTRY_SIZE;

        void encode(ByteBuffer b) {
            b.putInt((int) logical);
            if (isIndex) {
                b.putInt((int) physical).putShort((short) (physical >>> 32)).putShort((short) 0);
            } else {
                b.putShort((short) length).putShort((short) (physical >>> 32)).putInt((int) physical);
            }
        }
    }

    private ExtentTree() {
    }

    /** How many tree blocks {@link #build} will write for this many extents. */
    static int treeBlocks(int extents) {
        int total = 0;
        int n = extents;
        while (n > IN_INODE) {
            n = (n + PER_BLOCK - 1) / PER_BLOCK;
            total += n;
        }
        return total;
    }

    static Built build(long[] packed, int ino, int generation, int csumSeed, BlockSink sink) throws IOException {
        List<Entry> level = new ArrayList<>();
        for (int i = 0; i < ExtentList.count(packed); i++) {
            level.add(new Entry(ExtentList.logical(packed, i), ExtentList.physical(packed, i),
                    ExtentList.length(packed, i), false));
        }
        int depth = 0;
        int written = 0;
        int seed = Crc32c.updateInt(Crc32c.updateInt(csumSeed, ino), generation);
        while (level.size() > IN_INODE) {
            List<Entry> up = new ArrayList<>();
            for (int from = 0; from < level.size(); from += PER_BLOCK) {
                List<Entry> part = level.subList(from, Math.min(level.size(), from + PER_BLOCK));
                byte[] block = new byte[BLOCK_SIZE];
                ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
                new Header(part.size(), PER_BLOCK, depth).encode(b);
                part.forEach(e -> e.encode(b));
                int tail = HEADER_SIZE + ENTRY_SIZE * PER_BLOCK;
                b.putInt(tail, Crc32c.update(seed, block, 0, tail));
                long number = sink.write(block);
                written++;
                up.add(new Entry(part.get(0).logical(), number, 0, true));
            }
            level = up;
            depth++;
        }
        byte[] iBlock = new byte[60];
        ByteBuffer b = ByteBuffer.wrap(iBlock).order(ByteOrder.LITTLE_ENDIAN);
        new Header(level.size(), IN_INODE, depth).encode(b);
        level.forEach(e -> e.encode(b));
        return new Built(iBlock, written);
    }
}
