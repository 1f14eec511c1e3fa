package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Encodes the blocks of one directory, assuming metadata_csum (every block carries a checksum).
 *
 * <p>A directory whose entries fit in one block is a plain linear block. A larger one becomes
 * a hashed tree (dir_index), so lookups stay logarithmic:
 * <pre>
 *   block 0            dx_root: "." (rec_len 12), ".." (rec_len blockSize-12) whose body
 *                      holds dx_root_info (8 bytes at 0x18) and the dx_entry array at 0x20
 *                      (slot 0 = limit/count + first child), then an 8-byte dx_tail
 *   blocks 1..n        (only when two levels are needed) dx_node: a fake empty dirent
 *                      spanning the block, dx_entry array at 0x08, dx_tail
 *   remaining blocks   leaves: ordinary dirent blocks, each ending in the 12-byte
 *                      checksum dirent; leaf k holds the names whose hashes lie between
 *                      its index entry's hash and the next one's
 * </pre>
 * Leaves are filled completely in hash order (as e2fsck -D does); the kernel splits them on
 * later insertions. When equal hashes straddle two leaves, the second leaf's index hash gets
 * its low bit set so lookups continue into it.
 */
final class DirectoryEncoder {
    /** dirent header: inode u32, rec_len u16, name_len u8, file_type u8. */
    static final int DIRENT_HEADER = 8;
    /** The fake dirent at the end of every leaf that holds the block checksum. */
    static final int TAIL_SIZE = 12;
    static final int TAIL_FILE_TYPE = 0xDE;
    /** dx_root_info follows "." (12) and ".." (12); entries follow it. */
    static final int ROOT_INFO_OFFSET = 24;
    static final int ROOT_ENTRIES_OFFSET = 32;
    static final int NODE_ENTRIES_OFFSET = 8;
    static final int DX_ENTRY_SIZE = 8;
    static final int DX_TAIL_SIZE = 8;
    static final int HASH_HALF_MD4 = 1;
    static final int FT_DIR = 2;

    private DirectoryEncoder() {
    }

    /** Bytes a dirent with this name occupies at minimum: header plus name, padded to 4. */
    static int recLen(int nameLength) {
        return (DIRENT_HEADER + nameLength + 3) & ~3;
    }

    /** How many index entries a dx_root holds in a block of this size. */
    static int rootLimit(int blockSize) {
        return (blockSize - ROOT_ENTRIES_OFFSET - DX_TAIL_SIZE) / DX_ENTRY_SIZE;
    }

    /** How many index entries an interior dx_node holds. */
    static int nodeLimit(int blockSize) {
        return (blockSize - NODE_ENTRIES_OFFSET - DX_TAIL_SIZE) / DX_ENTRY_SIZE;
    }

    /**
     * All blocks of one directory (each exactly blockSize bytes), "." and ".." first, with
     * metadata_csum tails filled in; an htree when the entries need more than one block.
     * Logical block i of the result is block i of the directory.
     *
     * @param csumSeed the filesystem checksum seed (crc32c of the UUID, or s_checksum_seed);
     *                 the directory's inode number and generation are folded in here
     * @param hashSeed s_hash_seed as four little-endian words (all zero: the default seed)
     */
    static List<byte[]> encode(int selfInode, int parentInode, int generation, List<DirEntry> children,
                               int blockSize, int csumSeed, int[] hashSeed) {
        return encode(selfInode, parentInode, generation, children, blockSize, csumSeed, hashSeed, false);
    }

    /**
     * As above; {@code signedHash} must match the superblock: true with EXT2_FLAGS_SIGNED_HASH
     * (0x1), false with EXT2_FLAGS_UNSIGNED_HASH (0x2). They differ only for names with bytes
     * of 0x80 and above, which would otherwise land in the wrong leaf.
     */
    static List<byte[]> encode(int selfInode, int parentInode, int generation, List<DirEntry> children,
                               int blockSize, int csumSeed, int[] hashSeed, boolean signedHash) {
        if (blockSize < 1024 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size " + blockSize);
        }
        int used = 0;
        for (DirEntry child : children) {
            validate(child);
            used += recLen(child.name().length);
        }
        int inodeSeed = Crc32c.updateInt(Crc32c.updateInt(csumSeed, selfInode), generation);
        if (used <= blockSize - TAIL_SIZE - 2 * recLen(2)) {
            return List.of(linearBlock(selfInode, parentInode, children, blockSize, inodeSeed));
        }
        return htree(selfInode, parentInode, children, blockSize, inodeSeed, hashSeed, signedHash);
    }

    private static void validate(DirEntry child) {
        byte[] name = child.name();
        if (name.length == 0 || name.length > 255) {
            throw new IllegalArgumentException("directory entry name of " + name.length + " bytes");
        }
        for (byte b : name) {
            if (b == 0 || b == '/') {
                throw new IllegalArgumentException("directory entry name contains NUL or '/'");
            }
        }
        if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw new IllegalArgumentException("\".\" and \"..\" are added by the encoder");
        }
        if (child.fileType() < 1 || child.fileType() > 7) {
            throw new IllegalArgumentException("file type " + child.fileType());
        }
        if (child.inode() == 0) {
            throw new IllegalArgumentException("inode 0");
        }
    }

    private static byte[] linearBlock(int self, int parent, List<DirEntry> children, int blockSize,
                                      int inodeSeed) {
        ByteBuffer b = block(blockSize);
        List<DirEntry> all = new ArrayList<>(children.size() + 2);
        all.add(new DirEntry(new byte[]{'.'}, self, FT_DIR));
        all.add(new DirEntry(new byte[]{'.', '.'}, parent, FT_DIR));
        all.addAll(children);
        writeEntries(b, all, blockSize - TAIL_SIZE);
        return finishLeaf(b, blockSize, inodeSeed);
    }

    /** Writes entries from position 0; the last one's rec_len runs to {@code end}. */
    private static void writeEntries(ByteBuffer b, List<DirEntry> entries, int end) {
        int pos = 0;
        for (int i = 0; i < entries.size(); i++) {
            DirEntry e = entries.get(i);
            int len = i == entries.size() - 1 ? end - pos : recLen(e.name().length);
            writeDirent(b, pos, e.inode(), len, blockSizeOf(b), e.name(), e.fileType());
            pos += len;
        }
    }

    private static int blockSizeOf(ByteBuffer b) {
        return b.capacity();
    }

    private static void writeDirent(ByteBuffer b, int pos, int inode, int recLen, int blockSize, byte[] name,
                                    int fileType) {
        b.putInt(pos, inode);
        b.putShort(pos + 4, encodeRecLen(recLen, blockSize));
        b.put(pos + 6, (byte) name.length);
        b.put(pos + 7, (byte) fileType);
        b.put(pos + DIRENT_HEADER, name);
    }

    /** rec_len is 16 bits; a 64 KiB block's whole-block record is stored as 0xFFFF (kernel rule). */
    static short encodeRecLen(int len, int blockSize) {
        if (len < 65536) {
            return (short) len;
        }
        if (len == blockSize && blockSize == 65536) {
            return (short) 0xFFFF;
        }
        throw new IllegalArgumentException("rec_len " + len);
    }

    /** Adds the checksum dirent: crc32c(inode seed, block up to the tail). */
    private static byte[] finishLeaf(ByteBuffer b, int blockSize, int inodeSeed) {
        int tail = blockSize - TAIL_SIZE;
        b.putInt(tail, 0);
        b.putShort(tail + 4, (short) TAIL_SIZE);
        b.put(tail + 6, (byte) 0);
        b.put(tail + 7, (byte) TAIL_FILE_TYPE);
        byte[] bytes = b.array();
        b.putInt(tail + 8, Crc32c.update(inodeSeed, bytes, 0, tail));
        return bytes;
    }

    private static ByteBuffer block(int blockSize) {
        return ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
    }

    private record Hashed(DirEntry entry, int hash) {
    }

    /** A leaf's entries and the hash an index entry must carry for it (low bit = continuation). */
    private record Leaf(List<DirEntry> entries, int indexHash) {
    }

    private static List<byte[]> htree(int self, int parent, List<DirEntry> children, int blockSize,
                                      int inodeSeed, int[] hashSeed, boolean signedHash) {
        List<Hashed> sorted = new ArrayList<>(children.size());
        for (DirEntry child : children) {
            sorted.add(new Hashed(child, DxHash.hash(child.name(), hashSeed, signedHash)));
        }
        // Unsigned hash order; names break ties so the output is independent of input order.
        sorted.sort(Comparator.<Hashed>comparingLong(h -> Integer.toUnsignedLong(h.hash()))
                .thenComparing((x, y) -> Arrays.compareUnsigned(x.entry().name(), y.entry().name())));

        List<Leaf> leaves = packLeaves(sorted, blockSize);
        int rootLimit = rootLimit(blockSize);
        int nodeLimit = nodeLimit(blockSize);
        List<byte[]> blocks = new ArrayList<>();
        if (leaves.size() <= rootLimit) {
            int[] hashes = new int[leaves.size()];
            int[] targets = new int[leaves.size()];
            for (int i = 0; i < leaves.size(); i++) {
                hashes[i] = leaves.get(i).indexHash();
                targets[i] = 1 + i;
            }
            blocks.add(root(self, parent, 0, hashes, targets, blockSize, inodeSeed));
        } else {
            int nodes = (leaves.size() + nodeLimit - 1) / nodeLimit;
            if (nodes > rootLimit) {
                throw new IllegalArgumentException("directory of " + children.size()
                        + " entries needs a three-level htree (largedir)");
            }
            int[] rootHashes = new int[nodes];
            int[] rootTargets = new int[nodes];
            List<byte[]> nodeBlocks = new ArrayList<>(nodes);
            int firstLeafBlock = 1 + nodes;
            for (int n = 0; n < nodes; n++) {
                // Spread leaves evenly so every node has room to grow.
                int from = (int) ((long) n * leaves.size() / nodes);
                int to = (int) ((long) (n + 1) * leaves.size() / nodes);
                int[] hashes = new int[to - from];
                int[] targets = new int[to - from];
                for (int i = from; i < to; i++) {
                    hashes[i - from] = leaves.get(i).indexHash();
                    targets[i - from] = firstLeafBlock + i;
                }
                rootHashes[n] = leaves.get(from).indexHash();
                rootTargets[n] = 1 + n;
                nodeBlocks.add(node(hashes, targets, blockSize, inodeSeed));
            }
            blocks.add(root(self, parent, 1, rootHashes, rootTargets, blockSize, inodeSeed));
            blocks.addAll(nodeBlocks);
        }
        for (Leaf leaf : leaves) {
            ByteBuffer b = block(blockSize);
            writeEntries(b, leaf.entries(), blockSize - TAIL_SIZE);
            blocks.add(finishLeaf(b, blockSize, inodeSeed));
        }
        return blocks;
    }

    /** Fills leaves in hash order; marks a leaf that starts inside a run of equal hashes. */
    private static List<Leaf> packLeaves(List<Hashed> sorted, int blockSize) {
        int capacity = blockSize - TAIL_SIZE;
        List<Leaf> leaves = new ArrayList<>();
        List<DirEntry> current = new ArrayList<>();
        int used = 0;
        int indexHash = 0;
        int lastHash = 0;
        for (Hashed h : sorted) {
            int len = recLen(h.entry().name().length);
            if (used + len > capacity) {
                leaves.add(new Leaf(current, indexHash));
                current = new ArrayList<>();
                used = 0;
                indexHash = h.hash() == lastHash ? h.hash() | 1 : h.hash();
            }
            current.add(h.entry());
            used += len;
            lastHash = h.hash();
        }
        leaves.add(new Leaf(current, indexHash));
        return leaves;
    }

    private static byte[] root(int self, int parent, int indirectLevels, int[] hashes, int[] targets,
                               int blockSize, int inodeSeed) {
        ByteBuffer b = block(blockSize);
        writeDirent(b, 0, self, 12, blockSize, new byte[]{'.'}, FT_DIR);
        // ".." spans the rest of the block so that pre-htree readers see an empty directory.
        writeDirent(b, 12, parent, blockSize - 12, blockSize, new byte[]{'.', '.'}, FT_DIR);
        b.putInt(ROOT_INFO_OFFSET, 0); // reserved_zero
        b.put(ROOT_INFO_OFFSET + 4, (byte) HASH_HALF_MD4);
        b.put(ROOT_INFO_OFFSET + 5, (byte) 8); // info_length
        b.put(ROOT_INFO_OFFSET + 6, (byte) indirectLevels);
        b.put(ROOT_INFO_OFFSET + 7, (byte) 0); // unused_flags
        writeIndex(b, ROOT_ENTRIES_OFFSET, rootLimit(blockSize), hashes, targets, inodeSeed);
        return b.array();
    }

    private static byte[] node(int[] hashes, int[] targets, int blockSize, int inodeSeed) {
        ByteBuffer b = block(blockSize);
        // A deleted-looking dirent covering the whole block hides the index from linear readers.
        b.putInt(0, 0);
        b.putShort(4, encodeRecLen(blockSize, blockSize));
        writeIndex(b, NODE_ENTRIES_OFFSET, nodeLimit(blockSize), hashes, targets, inodeSeed);
        return b.array();
    }

    /**
     * The dx_entry array: slot 0 is {limit u16, count u16, block u32} (its hash is implicitly
     * the lower bound given by the parent), slots 1.. are {hash u32, block u32}. The dx_tail
     * after {@code limit} slots holds crc32c over the used slots (and everything before them),
     * then over dt_reserved and a zero checksum field.
     */
    private static void writeIndex(ByteBuffer b, int offset, int limit, int[] hashes, int[] targets,
                                   int inodeSeed) {
        int count = hashes.length;
        if (count == 0 || count > limit) {
            throw new IllegalStateException("dx index of " + count + " entries, limit " + limit);
        }
        b.putShort(offset, (short) limit);
        b.putShort(offset + 2, (short) count);
        b.putInt(offset + 4, targets[0]);
        for (int i = 1; i < count; i++) {
            b.putInt(offset + i * DX_ENTRY_SIZE, hashes[i]);
            b.putInt(offset + i * DX_ENTRY_SIZE + 4, targets[i]);
        }
        int tail = offset + limit * DX_ENTRY_SIZE;
        byte[] bytes = b.array();
        int crc = Crc32c.update(inodeSeed, bytes, 0, offset + count * DX_ENTRY_SIZE);
        crc = Crc32c.update(crc, bytes, tail, 4); // dt_reserved (zero)
        crc = Crc32c.updateInt(crc, 0); // dt_checksum counted as zero
        b.putInt(tail, 0);
        b.putInt(tail + 4, crc);
    }
}
