package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Lists a directory's names by reading every one of its blocks in order, linear and htree
 * alike: in an htree the leaves are ordinary directory blocks, and the index blocks (the
 * dx_root in block 0 behind "." and "..", dx_nodes that look like one empty entry spanning the
 * block) hold no names, so they are only checked, not parsed. Inline directories (inline_data)
 * keep their entries in i_block after the parent's inode number and in the "system.data" xattr.
 *
 * <p>With metadata_csum every leaf must end in the 12-byte checksum entry and every index
 * block in its dx_tail, as the kernel requires; both are verified.
 */
final class DirectoryParser {
    static final int TAIL_FILE_TYPE = DirectoryEncoder.TAIL_FILE_TYPE;
    private static final int MIN_REC_LEN = 12;

    /** Receives each name other than "." and "..", with the inode it names. */
    interface Sink {
        void child(byte[] name, long inode) throws IOException;
    }

    private final ImageChannel image;
    private final SuperblockView sb;
    private final BlockMapper mapper;
    private final XattrParser xattrs;
    private final boolean verify;

    DirectoryParser(ImageChannel image, SuperblockView sb, BlockMapper mapper, XattrParser xattrs, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.mapper = mapper;
        this.xattrs = xattrs;
        this.verify = verify;
    }

    void read(InodeView dir, String where, BlockClaims claims, Sink sink) throws IOException {
        if (dir.has(InodeView.INLINE_DATA_FL)) {
            inline(dir, where, sink);
            return;
        }
        int bs = sb.blockSize();
        long size = dir.size();
        if (size <= 0 || size % bs != 0 || size / bs > BlockMapper.MAX_LOGICAL) {
            throw new Ext4Exception(where + ": directory size " + size + " is not a positive multiple of the block size "
                    + bs);
        }
        long blocks = size / bs;
        ExtentMap map = mapper.map(dir, blocks, where, claims);
        int seed = Crc32c.updateInt(Crc32c.updateInt(sb.csumSeed(), dir.ino()), dir.generation());
        boolean indexed = dir.has(InodeView.INDEX_FL);
        long next = 0;
        for (int i = 0; i < map.count(); i++) {
            if (map.logical(i) != next || !map.initialized(i)) {
                break;
            }
            for (int j = 0; j < map.length(i); j++) {
                String what = where + ": directory block " + next;
                byte[] block = image.block(map.physical(i) + j, what);
                parseBlock(block, next, indexed, seed, what, sink);
                next++;
            }
        }
        if (next != blocks) {
            throw new Ext4Exception(where + ": directory block " + next + " of " + blocks
                    + " is a hole or uninitialized (directories have no holes)");
        }
    }

    private void parseBlock(byte[] block, long logical, boolean indexed, int seed, String where, Sink sink)
            throws IOException {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        int bs = block.length;
        boolean csum = verify && sb.metadataCsum();
        if (indexed && logical == 0 && isDxRoot(b, bs)) {
            if (csum) {
                verifyDx(block, DirectoryEncoder.ROOT_ENTRIES_OFFSET, seed, where);
            }
            return;
        }
        if (indexed && logical > 0 && b.getInt(0) == 0 && recLen(b, 0, bs) == bs) {
            if (csum) {
                verifyDx(block, DirectoryEncoder.NODE_ENTRIES_OFFSET, seed, where);
            }
            return;
        }
        int end = bs;
        if (csum) {
            end = bs - DirectoryEncoder.TAIL_SIZE;
            if (b.getInt(end) != 0 || (b.getShort(end + 4) & 0xFFFF) != DirectoryEncoder.TAIL_SIZE
                    || b.get(end + 6) != 0 || (b.get(end + 7) & 0xFF) != TAIL_FILE_TYPE) {
                throw new Ext4Exception(where + ": no checksum entry at the end of the block");
            }
            if (Crc32c.update(seed, block, 0, end) != b.getInt(end + 8)) {
                throw new Ext4Exception(where + ": checksum mismatch");
            }
        }
        entries(b, 0, end, bs, where, sink);
    }

    /** "." with rec_len 12, ".." spanning the rest of the block, then dx_root_info (reserved 0, length 8). */
    private static boolean isDxRoot(ByteBuffer b, int bs) {
        return recLen(b, 0, bs) == 12 && recLen(b, 12, bs) == bs - 12
                && b.getInt(DirectoryEncoder.ROOT_INFO_OFFSET) == 0
                && (b.get(DirectoryEncoder.ROOT_INFO_OFFSET + 5) & 0xFF) == 8;
    }

    /** The dx_tail checksum: crc32c over the used index entries and dt_reserved, with the checksum as zero. */
    private static void verifyDx(byte[] block, int countOffset, int seed, String where) throws Ext4Exception {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        int limit = b.getShort(countOffset) & 0xFFFF;
        int count = b.getShort(countOffset + 2) & 0xFFFF;
        int tail = countOffset + limit * DirectoryEncoder.DX_ENTRY_SIZE;
        if (tail + DirectoryEncoder.DX_TAIL_SIZE > block.length || count > limit) {
            throw new Ext4Exception(where + ": htree index of " + count + " entries, limit " + limit
                    + ", leaves no room for its checksum");
        }
        int crc = Crc32c.update(seed, block, 0, countOffset + count * DirectoryEncoder.DX_ENTRY_SIZE);
        crc = Crc32c.update(crc, block, tail, 4);
        crc = Crc32c.updateInt(crc, 0);
        if (crc != b.getInt(tail + 4)) {
            throw new Ext4Exception(where + ": htree index checksum mismatch");
        }
    }

    private void inline(InodeView dir, String where, Sink sink) throws IOException {
        if (!sb.has(Features.INCOMPAT_INLINE_DATA)) {
            throw new Ext4Exception(where + ": inline data, but the filesystem lacks the inline_data feature");
        }
        ByteBuffer iBlock = ByteBuffer.wrap(dir.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
        // i_block starts with the parent's inode number (the ".." entry); the rest holds entries.
        entries(iBlock, 4, InodeView.I_BLOCK_SIZE, sb.blockSize(), where + ": inline directory", sink);
        byte[] more = xattrs.read(dir, where).systemData();
        if (more != null && more.length > 0) {
            ByteBuffer b = ByteBuffer.wrap(more).order(ByteOrder.LITTLE_ENDIAN);
            entries(b, 0, more.length, sb.blockSize(), where + ": inline directory (system.data)", sink);
        }
    }

    /** Parses the entries in [from, end), which they must tile exactly. */
    private static void entries(ByteBuffer b, int from, int end, int bs, String where, Sink sink) throws IOException {
        int pos = from;
        while (pos < end) {
            if (pos + DirectoryEncoder.DIRENT_HEADER > end) {
                throw new Ext4Exception(where + ": directory entry at offset " + pos + " crosses the end");
            }
            long inode = b.getInt(pos) & 0xFFFFFFFFL;
            int rec = recLen(b, pos, bs);
            int nameLength = b.get(pos + 6) & 0xFF;
            if (rec < MIN_REC_LEN || rec % 4 != 0 || rec < DirectoryEncoder.recLen(nameLength) || rec > end - pos) {
                throw new Ext4Exception(where + ": bad directory entry at offset " + pos + " (rec_len " + rec
                        + ", name length " + nameLength + ")");
            }
            if (inode != 0) {
                byte[] name = new byte[nameLength];
                b.get(pos + DirectoryEncoder.DIRENT_HEADER, name);
                checkName(name, pos, where);
                boolean dots = (nameLength == 1 && name[0] == '.') || (nameLength == 2 && name[0] == '.' && name[1] == '.');
                if (!dots) {
                    sink.child(name, inode);
                }
            }
            pos += rec;
        }
    }

    private static void checkName(byte[] name, int pos, String where) throws Ext4Exception {
        if (name.length == 0) {
            throw new Ext4Exception(where + ": directory entry at offset " + pos + " has an empty name");
        }
        for (byte c : name) {
            if (c == 0 || c == '/') {
                throw new Ext4Exception(where + ": directory entry at offset " + pos + " has a name with a "
                        + (c == 0 ? "NUL byte" : "'/'"));
            }
        }
    }

    /** rec_len as the kernel decodes it: 64 KiB blocks keep the top bits in the two low ones. */
    static int recLen(ByteBuffer b, int pos, int blockSize) {
        int raw = b.getShort(pos + 4) & 0xFFFF;
        if (blockSize < 65536) {
            return raw;
        }
        if (raw == 0xFFFF || raw == 0) {
            return blockSize;
        }
        return (raw & 0xFFFC) | ((raw & 3) << 16);
    }
}
