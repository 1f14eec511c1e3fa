package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;
import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * Writes the metadata a {@link Layout} placed: inode tables, bitmaps (with their padding
 * bits set), group descriptors and superblocks (primary and every backup), the resize inode's
 * blocks and the journal superblock. Counts come from the bitmaps themselves, so the free
 * counts e2fsck computes always agree.
 */
final class MetadataWriter {
    private final FileChannel out;
    private final Ext4Options options;
    private final InodeStore inodes;
    private final Layout layout;
    private final UsedBlocks used;
    private final byte[] uuid;
    private final int[] hashSeed;
    private final int csumSeed;
    private final int region;
    private final BitSet indexedDirs;
    private final Map<Integer, ExtentTree.Built> trees;
    private final Map<Integer, Long> xattrBlocks;
    private final Map<Integer, XattrEncoder.Layout> xattrLayouts;
    private final int ipg;
    private final long time;
    private byte[] journalIBlock;
    private int journalTreeBlocks;

    MetadataWriter(FileChannel out, Ext4Options options, InodeStore inodes, Layout layout, UsedBlocks used,
                   byte[] uuid, int[] hashSeed, int csumSeed, int region, BitSet indexedDirs,
                   Map<Integer, ExtentTree.Built> trees, Map<Integer, Long> xattrBlocks,
                   Map<Integer, XattrEncoder.Layout> xattrLayouts) {
        this.out = out;
        this.options = options;
        this.inodes = inodes;
        this.layout = layout;
        this.used = used;
        this.uuid = uuid;
        this.hashSeed = hashSeed;
        this.csumSeed = csumSeed;
        this.region = region;
        this.indexedDirs = indexedDirs;
        this.trees = trees;
        this.xattrBlocks = xattrBlocks;
        this.xattrLayouts = xattrLayouts;
        this.ipg = layout.inodesPerGroup;
        this.time = options.creationTime();
    }

    Ext4Summary write() throws IOException {
        // mke2fs gives filesystems under 2,048 blocks no journal; the layout then planned none.
        boolean journal = layout.journalExtents.length > 0;
        if (journal) {
            writeJournal();
        }
        ResizeInode resize = layout.resizeDind == 0 ? null
                : new ResizeInode(layout.resizeDind, layout.gdtBlocks, layout.reservedGdt, layout.groups);
        if (resize != null) {
            put(resize.dind(), layout.resizeDind);
            for (int i = 0; i < layout.reservedGdt; i++) {
                put(resize.indirect(i), resize.primary(i));
            }
        }
        ByteBuffer gdt = ByteBuffer.allocate(layout.gdtBlocks * BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long freeBlocks = 0;
        long freeInodes = 0;
        for (int g = 0; g < layout.groups; g++) {
            long groupFirst = (long) g * BLOCKS_PER_GROUP;
            long groupBlocks = Math.min(BLOCKS_PER_GROUP, layout.blocks - groupFirst);
            byte[] blockBitmap = new byte[BLOCK_SIZE];
            int groupFree = (int) groupBlocks;
            BitSet groupUsed = used.group(g);
            if (groupUsed != null) {
                // BitSet's byte order is the bitmap's: bit i is bit (i % 8) of byte i / 8.
                byte[] bits = groupUsed.toByteArray();
                System.arraycopy(bits, 0, blockBitmap, 0, Math.min(bits.length, BLOCK_SIZE));
                groupFree -= groupUsed.get(0, (int) groupBlocks).cardinality();
            }
            for (int i = (int) groupBlocks; i < BLOCKS_PER_GROUP; i++) {
                blockBitmap[i >>> 3] |= (byte) (1 << (i & 7)); // past the end of a short last group
            }
            byte[] inodeBitmap = new byte[BLOCK_SIZE];
            int groupFreeInodes = 0;
            int dirs = 0;
            int highest = 0; // one past the last used inode index in this group
            if (g > 0 && (long) g * ipg + 1 > inodes.last()) {
                // No inode of this group is in use (most groups of a large image): only the padding.
                Arrays.fill(inodeBitmap, ipg / 8, BLOCK_SIZE, (byte) 0xFF);
                groupFreeInodes = ipg;
            } else {
                for (int i = 0; i < BLOCK_SIZE * 8; i++) {
                    long ino = (long) g * ipg + i + 1;
                    boolean inUse = i >= ipg || ino < Geometry.FIRST_INO
                            || (ino <= inodes.last() && inodes.isLive((int) ino));
                    if (inUse) {
                        inodeBitmap[i >>> 3] |= (byte) (1 << (i & 7));
                        if (i < ipg) {
                            highest = i + 1;
                            if (ino >= Geometry.FIRST_INO && inodes.isDir((int) ino)) {
                                dirs++;
                            }
                        }
                    } else {
                        groupFreeInodes++;
                    }
                }
            }
            if (g == 0) {
                dirs++; // the root, a reserved inode
            }
            writeInodeTable(g, highest);
            if (groupUsed != null || groupBlocks < BLOCKS_PER_GROUP) {
                put(blockBitmap, layout.blockBitmap[g]); // else all zeros: the image starts empty
            }
            put(inodeBitmap, layout.inodeBitmap[g]);
            int flags = GroupDescriptor.INODE_ZEROED | (highest == 0 ? GroupDescriptor.INODE_UNINIT : 0);
            new GroupDescriptor(layout.blockBitmap[g], layout.inodeBitmap[g], layout.inodeTable[g], groupFree,
                    groupFreeInodes, dirs, flags, ipg - highest,
                    Crc32c.update(csumSeed, blockBitmap, 0, BLOCKS_PER_GROUP / 8),
                    Crc32c.update(csumSeed, inodeBitmap, 0, ipg / 8)).encode(gdt, g, csumSeed);
            freeBlocks += groupFree;
            freeInodes += groupFreeInodes;
        }
        int[] jnl = new int[17];
        if (journalIBlock != null) {
            ByteBuffer jb = ByteBuffer.wrap(journalIBlock).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 15; i++) {
                jnl[i] = jb.getInt(4 * i);
            }
            long size = journalSize();
            jnl[15] = (int) (size >>> 32);
            jnl[16] = (int) size;
        }
        Superblock sb = new Superblock((long) ipg * layout.groups, layout.blocks, freeBlocks, freeInodes, ipg,
                Math.max(0, layout.reservedGdt), resize != null, uuid, options.label(), hashSeed,
                journal, jnl, time);
        for (int g = 0; g < layout.groups; g++) {
            if (Geometry.hasSuper(g)) {
                long first = (long) g * BLOCKS_PER_GROUP;
                DataWriter.writeAt(out, ByteBuffer.wrap(sb.encode(g)), g == 0 ? 1024 : first * BLOCK_SIZE);
                DataWriter.writeAt(out, ByteBuffer.wrap(gdt.array()), (first + 1) * BLOCK_SIZE);
            }
        }
        long size = options.sizeBytes() > 0 ? options.sizeBytes() : layout.blocks * BLOCK_SIZE;
        if (out.size() > size) {
            out.truncate(size);
        } else if (out.size() < size) {
            DataWriter.writeAt(out, ByteBuffer.allocate(1), size - 1);
        }
        return new Ext4Summary(size, layout.blocks, freeBlocks, (long) ipg * layout.groups, freeInodes, uuid.clone(),
                java.util.List.of());
    }

    private long journalSize() {
        long blocks = 0;
        for (int i = 0; i < ExtentList.count(layout.journalExtents); i++) {
            blocks += ExtentList.length(layout.journalExtents, i);
        }
        return blocks * BLOCK_SIZE;
    }

    private void writeJournal() throws IOException {
        long[] ext = layout.journalExtents;
        int[] next = {0};
        ExtentTree.Built built = ExtentTree.build(ext, Geometry.JOURNAL_INO, 0, csumSeed, block -> {
            long number = layout.journalTreeBlocks[next[0]++];
            put(block, number);
            return number;
        });
        journalIBlock = built.iBlock();
        journalTreeBlocks = built.treeBlocks();
        byte[] jsb = new byte[BLOCK_SIZE];
        byte[] head = new JournalSuperblock((int) (journalSize() / BLOCK_SIZE), uuid).encode();
        System.arraycopy(head, 0, jsb, 0, head.length);
        put(jsb, ExtentList.physical(ext, 0));
    }

    private void writeInodeTable(int group, int count) throws IOException {
        if (count == 0) {
            return;
        }
        ByteBuffer table = ByteBuffer.allocate(count * Inode.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            int ino = group * ipg + i + 1;
            Inode inode = inode(ino);
            if (inode == null) {
                table.position(table.position() + Inode.SIZE);
            } else {
                inode.encode(table, ino, csumSeed);
            }
        }
        DataWriter.writeAt(out, table.flip(), layout.inodeTable[group] * BLOCK_SIZE);
    }

    /** The inode to store at this number, or null for an unused (all-zero) slot. */
    private Inode inode(int ino) throws IOException {
        if (ino == Geometry.RESIZE_INO && layout.resizeDind != 0) {
            ResizeInode r = new ResizeInode(layout.resizeDind, layout.gdtBlocks, layout.reservedGdt, layout.groups);
            return new Inode(InodeStore.S_IFREG | 0600, 0, 0, ResizeInode.size(), time, 0, 1, r.blocks512(), 0,
                    r.iBlock(), 0, 0, null);
        }
        if (ino == Geometry.JOURNAL_INO && journalIBlock != null) {
            long blocks = journalSize() / BLOCK_SIZE + journalTreeBlocks;
            return new Inode(InodeStore.S_IFREG | 0600, 0, 0, journalSize(), time, 0, 1, blocks * 8,
                    ExtentTree.EXTENTS_FL, journalIBlock, 0, 0, null);
        }
        if (ino > inodes.last() || !inodes.isLive(ino)) {
            return null;
        }
        int mode = inodes.mode[ino];
        int type = mode & InodeStore.S_IFMT;
        byte[] iBlock = new byte[60];
        int flags = 0;
        long blocks = 0;
        byte[] fast = inodes.fastSymlinks.get(ino);
        if (fast != null) {
            System.arraycopy(fast, 0, iBlock, 0, fast.length);
        } else if (type == InodeStore.S_IFCHR || type == InodeStore.S_IFBLK) {
            encodeDevice(iBlock, inodes.start[ino]);
        } else if (type == InodeStore.S_IFREG || type == InodeStore.S_IFDIR || type == InodeStore.S_IFLNK) {
            long[] ext = inodes.extentsOf(ino);
            for (int i = 0; i < ExtentList.count(ext); i++) {
                blocks += ExtentList.length(ext, i);
            }
            ExtentTree.Built built = trees.get(ino);
            if (built == null) {
                built = ExtentTree.build(ext, ino, 0, csumSeed, b -> {
                    throw new IllegalStateException("extent blocks must be written before layout");
                });
            }
            iBlock = built.iBlock();
            blocks += built.treeBlocks();
            flags = ExtentTree.EXTENTS_FL | (indexedDirs.get(ino) ? ImageFinisher.INDEX_FL : 0);
        }
        Long xattrBlock = xattrBlocks.get(ino);
        if (xattrBlock != null) {
            blocks++;
        }
        XattrEncoder.Layout x = xattrLayouts.get(ino);
        return new Inode(mode, inodes.uid[ino] & 0xFFFFFFFFL, inodes.gid[ino] & 0xFFFFFFFFL, inodes.size[ino],
                inodes.mtime[ino], inodes.nanos[ino], inodes.links[ino], blocks * (BLOCK_SIZE / 512), flags,
                iBlock, 0, xattrBlock == null ? 0 : xattrBlock, x == null ? null : x.inline());
    }

    /** Old 16-bit encoding when both numbers fit a byte, else the new one in i_block[1]. */
    static void encodeDevice(byte[] iBlock, long dev) {
        int major = (int) (dev >>> 32);
        int minor = (int) dev;
        ByteBuffer b = ByteBuffer.wrap(iBlock).order(ByteOrder.LITTLE_ENDIAN);
        if (major < 256 && minor < 256) {
            b.putInt(0, (major << 8) | minor);
        } else {
            b.putInt(4, (minor & 0xFF) | (major << 8) | ((minor & ~0xFF) << 12));
        }
    }

    private void put(byte[] block, long number) throws IOException {
        DataWriter.writeAt(out, ByteBuffer.wrap(block), number * BLOCK_SIZE);
    }
}
