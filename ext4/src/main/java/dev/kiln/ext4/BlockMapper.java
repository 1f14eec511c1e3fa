package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads an inode's block mapping into an {@link ExtentMap}: an extent tree of any depth
 * (EXTENTS_FL), or the ext2/ext3 block map (12 direct pointers, then single, double and triple
 * indirect blocks). Only logical blocks below a limit (the file's size in blocks) are kept, so
 * blocks past the end (fallocate KEEP_SIZE, verity) are skipped. Every pointer is checked
 * against the filesystem's size and, through {@link BlockClaims}, against reuse.
 */
final class BlockMapper {
    static final int EXTENT_MAGIC = 0xF30A;
    static final int MAX_DEPTH = 5;
    static final long MAX_LOGICAL = 1L << 32;
    private static final int INIT_MAX_LEN = 32768;

    private final ImageChannel image;
    private final SuperblockView sb;
    private final boolean verify;

    BlockMapper(ImageChannel image, SuperblockView sb, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.verify = verify;
    }

    /**
     * Maps logical blocks [0, limit) of {@code inode}.
     *
     * @param where  "/path (inode N)", the start of every error message
     * @param claims records the blocks used (tree and data); null to record nothing
     */
    ExtentMap map(InodeView inode, long limit, String where, BlockClaims claims) throws IOException {
        ExtentMap map = new ExtentMap();
        if (inode.has(InodeView.EXTENTS_FL)) {
            if (!sb.has(Features.INCOMPAT_EXTENTS)) {
                throw new Ext4Exception(where + ": uses extents, but the filesystem lacks the extent feature");
            }
            int seed = Crc32c.updateInt(Crc32c.updateInt(sb.csumSeed(), inode.ino()), inode.generation());
            new ExtentWalk(map, limit, where, claims, seed).node(inode.iBlock(), ExtentTree.IN_INODE, -1);
        } else {
            new IndirectWalk(map, limit, where, claims).walk(inode.iBlock());
        }
        return map;
    }

    private final class ExtentWalk {
        private final ExtentMap map;
        private final long limit;
        private final String where;
        private final BlockClaims claims;
        private final int seed;
        /** One past the last logical block seen, mapped or not: extents must come in order. */
        private long seen;
        /** Tree blocks of this file: a block met twice would make the walk loop or multiply. */
        private final Set<Long> visited = new HashSet<>();

        ExtentWalk(ExtentMap map, long limit, String where, BlockClaims claims, int seed) {
            this.map = map;
            this.limit = limit;
            this.where = where;
            this.claims = claims;
            this.seed = seed;
        }

        /** Walks one node (i_block, or a tree block) whose header says it holds up to {@code capacity} entries. */
        void node(byte[] bytes, int capacity, int expectedDepth) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int magic = b.getShort(0) & 0xFFFF;
            int entries = b.getShort(2) & 0xFFFF;
            int max = b.getShort(4) & 0xFFFF;
            int depth = b.getShort(6) & 0xFFFF;
            if (magic != EXTENT_MAGIC) {
                throw new Ext4Exception(where + ": extent header has bad magic 0x" + Integer.toHexString(magic));
            }
            if (max > capacity || entries > max) {
                throw new Ext4Exception(where + ": extent node of " + entries + " entries, room for " + max
                        + " (at most " + capacity + ")");
            }
            if (expectedDepth < 0 ? depth > MAX_DEPTH : depth != expectedDepth) {
                throw new Ext4Exception(where + ": extent tree depth " + depth + " where "
                        + (expectedDepth < 0 ? "at most " + MAX_DEPTH : Integer.toString(expectedDepth)) + " belongs");
            }
            long previousIndex = -1;
            for (int i = 0; i < entries; i++) {
                int at = ExtentTree.HEADER_SIZE + i * ExtentTree.ENTRY_SIZE;
                long logical = b.getInt(at) & 0xFFFFFFFFL;
                if (logical < seen || (depth > 0 && logical <= previousIndex)) {
                    throw new Ext4Exception(where + ": extents out of order or overlapping at logical block " + logical);
                }
                if (depth == 0) {
                    leaf(b, at, logical);
                } else {
                    if (logical >= limit) {
                        return; // this subtree and the rest lie past the end of the file
                    }
                    long child = (b.getInt(at + 4) & 0xFFFFFFFFL) | (long) (b.getShort(at + 8) & 0xFFFF) << 32;
                    seen = logical;
                    previousIndex = logical;
                    node(treeBlock(child), sb.extentsPerBlock(), depth - 1);
                }
            }
        }

        private void leaf(ByteBuffer b, int at, long logical) throws IOException {
            int rawLength = b.getShort(at + 4) & 0xFFFF;
            boolean init = rawLength <= INIT_MAX_LEN;
            int length = init ? rawLength : rawLength - INIT_MAX_LEN;
            long physical = (b.getInt(at + 8) & 0xFFFFFFFFL) | (long) (b.getShort(at + 6) & 0xFFFF) << 32;
            if (length == 0 || logical + length > MAX_LOGICAL) {
                throw new Ext4Exception(where + ": extent of " + length + " blocks at logical block " + logical);
            }
            if (physical == 0) {
                throw new Ext4Exception(where + ": extent at logical block " + logical + " points to block 0");
            }
            image.checkBlock(physical, length, where + ": extent at logical block " + logical);
            seen = logical + length;
            if (logical >= limit) {
                return;
            }
            if (claims != null) {
                claims.claim(physical, length, where);
            }
            map.add(logical, physical, (int) Math.min(length, limit - logical), init);
        }

        private byte[] treeBlock(long number) throws IOException {
            String what = where + ": extent tree block";
            if (!visited.add(number)) {
                throw new Ext4Exception(what + " " + number + " appears twice in the tree");
            }
            byte[] block = image.block(number, what);
            if (claims != null) {
                claims.claim(number, 1, what);
            }
            if (verify && sb.metadataCsum()) {
                int max = ((block[5] & 0xFF) << 8) | (block[4] & 0xFF);
                int tail = ExtentTree.HEADER_SIZE + max * ExtentTree.ENTRY_SIZE;
                if (tail + 4 > block.length) {
                    throw new Ext4Exception(what + " " + number + ": no room for its checksum (" + max + " entries)");
                }
                int stored = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).getInt(tail);
                if (Crc32c.update(seed, block, 0, tail) != stored) {
                    throw new Ext4Exception(what + " " + number + ": checksum mismatch");
                }
            }
            return block;
        }
    }

    private final class IndirectWalk {
        private final ExtentMap map;
        private final long limit;
        private final String where;
        private final BlockClaims claims;
        private final int perBlock = sb.blockSize() / 4;
        private final Set<Long> visited = new HashSet<>();

        IndirectWalk(ExtentMap map, long limit, String where, BlockClaims claims) {
            this.map = map;
            this.limit = limit;
            this.where = where;
            this.claims = claims;
        }

        void walk(byte[] iBlock) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(iBlock).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 12 && i < limit; i++) {
                data(i, b.getInt(4 * i) & 0xFFFFFFFFL);
            }
            long start = 12;
            long span = 1;
            for (int level = 1; level <= 3; level++) {
                span *= perBlock;
                indirect(b.getInt(4 * (11 + level)) & 0xFFFFFFFFL, level, start);
                start += span;
            }
        }

        private void indirect(long pointer, int level, long start) throws IOException {
            if (pointer == 0 || start >= limit) {
                return;
            }
            String what = where + ": indirect block";
            if (!visited.add(pointer)) {
                throw new Ext4Exception(what + " " + pointer + " appears twice in the block map");
            }
            byte[] block = image.block(pointer, what);
            if (claims != null) {
                claims.claim(pointer, 1, what);
            }
            ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
            long span = 1;
            for (int l = 1; l < level; l++) {
                span *= perBlock;
            }
            for (int j = 0; j < perBlock && start + j * span < limit; j++) {
                long entry = b.getInt(4 * j) & 0xFFFFFFFFL;
                if (level == 1) {
                    data(start + j, entry);
                } else {
                    indirect(entry, level - 1, start + j * span);
                }
            }
        }

        private void data(long logical, long physical) throws IOException {
            if (physical == 0) {
                return; // a hole
            }
            image.checkBlock(physical, 1, where + ": block map entry for logical block " + logical);
            if (claims != null) {
                claims.claim(physical, 1, where);
            }
            map.add(logical, physical, 1, true);
        }
    }
}
