package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.Geometry.BLOCKS_PER_GROUP;
import static dev.kiln.ext4.Geometry.BLOCK_SIZE;

/**
 * Everything that happens once the last entry is in: directories, extent tree blocks and
 * xattr blocks go right after the data (they need the UUID-derived seeds, known only now);
 * then the size is chosen and bitmaps, inode tables, the journal and the descriptors are
 * placed after them (see {@link Layout}) and written.
 */
final class ImageFinisher {
    static final int INDEX_FL = 0x1000;
    private static final int MIB_BLOCKS = (1 << 20) / BLOCK_SIZE;

    private final FileChannel out;
    private final Ext4Options options;
    private final InodeStore inodes;
    private final Tree tree;
    private final DataWriter data;
    private final Map<Integer, XattrEncoder.Layout> xattrLayouts;
    private final int region;
    private final byte[] uuid;
    private final int[] hashSeed;
    private final int csumSeed;
    private final BitSet indexedDirs = new BitSet();
    private final Map<Integer, ExtentTree.Built> trees = new HashMap<>();
    private final Map<Integer, Long> xattrBlocks = new HashMap<>();

    ImageFinisher(FileChannel out, Ext4Options options, InodeStore inodes, Tree tree, DataWriter data,
                  Map<Integer, XattrEncoder.Layout> xattrLayouts, int gdtRegion, byte[] contentDigest) {
        this.out = out;
        this.options = options;
        this.inodes = inodes;
        this.tree = tree;
        this.data = data;
        this.xattrLayouts = xattrLayouts;
        this.region = 1 + gdtRegion;
        this.uuid = options.uuid() != null ? options.uuid().clone() : derive(contentDigest, "uuid");
        if (options.uuid() == null) {
            uuid[6] = (byte) ((uuid[6] & 0x0F) | 0x40); // version 4 shape, as tools expect
            uuid[8] = (byte) ((uuid[8] & 0x3F) | 0x80);
        }
        ByteBuffer seed = ByteBuffer.wrap(derive(contentDigest, "hash-seed")).order(ByteOrder.LITTLE_ENDIAN);
        this.hashSeed = new int[] {seed.getInt(), seed.getInt(), seed.getInt(), seed.getInt()};
        this.csumSeed = Crc32c.update(~0, uuid);
    }

    private static byte[] derive(byte[] digest, String purpose) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(digest);
            sha.update(purpose.getBytes(StandardCharsets.US_ASCII));
            byte[] out = new byte[16];
            System.arraycopy(sha.digest(), 0, out, 0, 16);
            return out;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Ext4Summary finish() throws IOException {
        long metaStart = data.allocator().next();
        writeDirectories();
        writeExtentTrees();
        writeXattrBlocks();
        data.flush();
        long metaEnd = data.allocator().next();
        Layout layout = chooseLayout(metaEnd);
        UsedBlocks used = usedBlocks(layout, metaStart, metaEnd);
        return new MetadataWriter(out, options, inodes, layout, used, uuid, hashSeed, csumSeed, region,
                indexedDirs, trees, xattrBlocks, xattrLayouts).write();
    }

    private void writeDirectories() throws IOException {
        int last = inodes.last();
        int[] subdirs = new int[last + 1];
        for (int ino = 1; ino <= last; ino++) {
            if (inodes.isLive(ino) && inodes.isDir(ino)) {
                for (int child : tree.childrenOf(ino).values()) {
                    if (inodes.isDir(child)) {
                        subdirs[ino]++;
                    }
                }
            }
        }
        for (int ino = 1; ino <= last; ino++) {
            if (!inodes.isLive(ino) || !inodes.isDir(ino)) {
                continue;
            }
            List<Map.Entry<Tree.Name, Integer>> sorted = new ArrayList<>(tree.childrenOf(ino).entrySet());
            sorted.sort(Map.Entry.comparingByKey());
            List<DirEntry> kids = new ArrayList<>(sorted.size());
            for (Map.Entry<Tree.Name, Integer> e : sorted) {
                kids.add(new DirEntry(e.getKey().bytes, e.getValue(),
                        InodeStore.direntType(inodes.mode[e.getValue()])));
            }
            int parent = tree.parentOf(ino);
            List<byte[]> blocks;
            try {
                blocks = DirectoryEncoder.encode(ino, parent, 0, kids, BLOCK_SIZE, csumSeed, hashSeed);
            } catch (IllegalArgumentException tooBig) {
                throw new Ext4LimitException(pathOf(ino) + ": " + tooBig.getMessage()
                        + "; split it into subdirectories", kids.size(), -1, tooBig);
            }
            boolean indexed = blocks.size() > 1; // more than one block is always an htree
            ExtentList extents = new ExtentList();
            for (int i = 0; i < blocks.size(); i++) {
                extents.add(i, data.writeBlock(blocks.get(i), 0));
            }
            inodes.setExtents(ino, extents.toArray());
            inodes.size[ino] = (long) blocks.size() * BLOCK_SIZE;
            int links = 2 + subdirs[ino];
            inodes.links[ino] = links > 65000 ? 1 : links; // dir_nlink
            if (indexed) {
                indexedDirs.set(ino);
            }
        }
    }

    /** A directory's path, for error messages only: walks up through the parents' child maps. */
    private String pathOf(int dir) {
        StringBuilder path = new StringBuilder();
        for (int ino = dir, parent = tree.parentOf(ino); ino != parent; ino = parent, parent = tree.parentOf(ino)) {
            for (Map.Entry<Tree.Name, Integer> e : tree.childrenOf(parent).entrySet()) {
                if (e.getValue() == ino) {
                    path.insert(0, "/" + new String(e.getKey().bytes, java.nio.charset.StandardCharsets.UTF_8));
                    break;
                }
            }
        }
        return path.length() == 0 ? "/" : path.toString();
    }

    private void writeExtentTrees() throws IOException {
        for (Map.Entry<Integer, long[]> e : new java.util.TreeMap<>(inodes.extents).entrySet()) {
            int ino = e.getKey();
            if (inodes.isLive(ino) && ExtentList.count(e.getValue()) > ExtentTree.IN_INODE) {
                trees.put(ino, ExtentTree.build(e.getValue(), ino, 0, csumSeed, b -> data.writeBlock(b, 0)));
            }
        }
    }

    private void writeXattrBlocks() throws IOException {
        for (Map.Entry<Integer, XattrEncoder.Layout> e : xattrLayouts.entrySet()) {
            if (inodes.isLive(e.getKey()) && e.getValue().needsBlock()) {
                long number = data.peekNext();
                long got = data.writeBlock(e.getValue().block(number, csumSeed), 0);
                if (got != number) {
                    throw new IllegalStateException("xattr block moved from " + number + " to " + got);
                }
                xattrBlocks.put(e.getKey(), number);
            }
        }
    }

    private Layout chooseLayout(long metaEnd) throws Ext4Exception {
        long usedInodes = inodes.last();
        Layout layout;
        if (options.sizeBytes() > 0) {
            long blocks = Layout.trimTinyLastGroup(options.sizeBytes() / BLOCK_SIZE, region);
            layout = null;
            if (blocks > 0 && metaEnd <= blocks) {
                long ipg = Layout.inodesPerGroup(blocks, usedInodes, options.inodeCount(), options.headroomFraction());
                if (ipg <= Ext4Limits.MAX_INODES_PER_GROUP) {
                    layout = Layout.plan(metaEnd, region, blocks, (int) ipg, options.journal());
                }
            }
            if (layout == null || layout.end > blocks || layout.reservedGdt < 0) {
                Layout min = Layout.fit(metaEnd, region, usedInodes, options.inodeCount(), options.journal(), 0, 0,
                        Ext4Limits.MAX_SIZE_BYTES / BLOCK_SIZE);
                String given = " (--size is " + Ext4Limits.size(options.sizeBytes()) + ")";
                if (min == null) {
                    throw new Ext4LimitException("content does not fit: it needs more than "
                            + Ext4Limits.size(Ext4Limits.MAX_SIZE_BYTES) + ", the largest ext4 image" + given,
                            -1, options.sizeBytes());
                }
                long needMiB = (min.blocks + MIB_BLOCKS - 1) / MIB_BLOCKS;
                throw new Ext4LimitException("content does not fit: needs at least " + needMiB + " MiB" + given,
                        needMiB << 20, options.sizeBytes());
            }
        } else {
            layout = Layout.fit(metaEnd, region, usedInodes, options.inodeCount(), options.journal(),
                    options.headroomFraction(), (options.minHeadroomBytes() + BLOCK_SIZE - 1) / BLOCK_SIZE,
                    Ext4Limits.MAX_FIT_SIZE_BYTES / BLOCK_SIZE);
            if (layout == null || layout.reservedGdt < 0) {
                throw new Ext4LimitException("sized to fit, the image would be larger than "
                        + Ext4Limits.size(Ext4Limits.MAX_FIT_SIZE_BYTES) + " (the most Kiln sizes to fit) with "
                        + (metaEnd * BLOCK_SIZE >> 20) + " MiB of content, " + Math.round(options.headroomFraction() * 100)
                        + " % headroom" + (options.inodeCount() > 0 ? " and " + options.inodeCount() + " inodes" : "")
                        + "; give an exact --size (at most " + Ext4Limits.size(Ext4Limits.MAX_SIZE_BYTES) + ")",
                        -1, Ext4Limits.MAX_FIT_SIZE_BYTES);
            }
        }
        if (options.inodeCount() > 0 && options.inodeCount() < usedInodes) {
            throw new Ext4LimitException("--inodes " + options.inodeCount() + " is too few: " + usedInodes + " needed",
                    usedInodes, options.inodeCount());
        }
        if ((long) layout.inodesPerGroup * layout.groups > 0xFFFFFFFFL) {
            // Only a headroom share of billions of used inodes can get here (MAX_INODES keeps requests below).
            throw new Ext4LimitException("content needs " + (long) layout.inodesPerGroup * layout.groups
                    + " inodes, more than ext4's 32-bit inode count holds", (long) layout.inodesPerGroup * layout.groups,
                    0xFFFFFFFFL);
        }
        return layout;
    }

    private UsedBlocks usedBlocks(Layout layout, long metaStart, long metaEnd) {
        UsedBlocks used = new UsedBlocks(layout.blocks);
        for (long g = 0; g < layout.groups; g++) {
            if (Geometry.hasSuper(g)) {
                long first = g * BLOCKS_PER_GROUP;
                mark(used, first, Math.min(region, layout.blocks - first));
            }
        }
        for (int ino = 1; ino <= inodes.last(); ino++) {
            if (inodes.isLive(ino) && !inodes.isDevice(ino)) {
                long[] ext = inodes.extentsOf(ino);
                for (int i = 0; i < ExtentList.count(ext); i++) {
                    mark(used, ExtentList.physical(ext, i), ExtentList.length(ext, i));
                }
            }
        }
        mark(used, metaStart, metaEnd - metaStart); // directories, extent and xattr blocks
        for (int g = 0; g < layout.groups; g++) {
            mark(used, layout.blockBitmap[g], 1);
            mark(used, layout.inodeBitmap[g], 1);
            mark(used, layout.inodeTable[g], layout.inodesPerGroup / Geometry.INODES_PER_BLOCK);
        }
        for (int i = 0; i < ExtentList.count(layout.journalExtents); i++) {
            mark(used, ExtentList.physical(layout.journalExtents, i), ExtentList.length(layout.journalExtents, i));
        }
        for (long b : layout.journalTreeBlocks) {
            mark(used, b, 1);
        }
        if (layout.resizeDind != 0) {
            mark(used, layout.resizeDind, 1);
        }
        return used;
    }

    private static void mark(UsedBlocks set, long from, long count) {
        set.mark(from, count);
    }
}
