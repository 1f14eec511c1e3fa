package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Fallback directory encoding (linear blocks, no hash index) used only while
 * {@link DirectoryEncoder} is not available. Each block ends with the 12-byte checksum tail.
 */
final class LinearDirectory {
    private static final int TAIL = 12;

    private LinearDirectory() {
    }

    static List<byte[]> encode(int self, int parent, int generation, List<DirEntry> children, int csumSeed) {
        List<DirEntry> all = new ArrayList<>();
        all.add(new DirEntry(new byte[] {'.'}, self, 2));
        all.add(new DirEntry(new byte[] {'.', '.'}, parent, 2));
        all.addAll(children);
        List<byte[]> blocks = new ArrayList<>();
        int limit = Geometry.BLOCK_SIZE - TAIL;
        ByteBuffer b = null;
        int lastEntry = 0;
        for (DirEntry e : all) {
            int len = (8 + e.name().length + 3) & ~3;
            if (b == null || b.position() + len > limit) {
                if (b != null) {
                    close(b, lastEntry, limit);
                }
                byte[] block = new byte[Geometry.BLOCK_SIZE];
                blocks.add(block);
                b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            }
            lastEntry = b.position();
            b.putInt(e.inode()).putShort((short) len).put((byte) e.name().length).put((byte) e.fileType());
            b.put(e.name());
            b.position(lastEntry + len);
        }
        close(b, lastEntry, limit);
        int seed = Crc32c.updateInt(Crc32c.updateInt(csumSeed, self), generation);
        for (byte[] block : blocks) {
            ByteBuffer t = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            t.putShort(limit + 4, (short) TAIL);
            t.put(limit + 7, (byte) 0xDE);
            t.putInt(limit + 8, Crc32c.update(seed, block, 0, limit));
        }
        return blocks;
    }

    /** Stretches the block's last entry to the checksum tail. */
    private static void close(ByteBuffer b, int lastEntry, int limit) {
        b.putShort(lastEntry + 4, (short) (limit - lastEntry));
    }
}
