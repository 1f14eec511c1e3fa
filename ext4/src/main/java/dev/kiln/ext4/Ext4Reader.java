package dev.kiln.ext4;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the tree of an ext2/3/4 filesystem image. It knows nothing of containers: it yields
 * {@link Ext4Entry} records, parents before children, in the order {@link EntryOrder} explains
 * (which makes write, read, write reproduce the image).
 *
 * <p>It reads: 1 to 64 KiB blocks; 32- and 64-byte group descriptors, flex_bg and meta_bg;
 * inodes of 128 bytes and more; extent trees of any depth, uninitialized extents and holes,
 * and ext2/ext3 block maps; linear and htree directories and inline data; in-inode and
 * external xattrs; hard links; fast, slow and inline symlinks; devices in both encodings;
 * FIFOs and sockets. With metadata_csum it verifies the checksums of the superblock, group
 * descriptors, inodes, extent tree blocks, directory blocks (leaves and htree index blocks)
 * and xattr blocks (bitmaps and the journal are never read).
 *
 * <p>An empty /lost+found with mode 0700 and owner 0:0 (what mke2fs and Ext4Writer create) is
 * left out: a writer makes its own, and a tree read back must not differ by one.
 *
 * <p>Any inconsistency is an {@link Ext4Exception} whose message starts with the label, then
 * the path and inode it concerns. The work and memory of a read are bounded by the image's
 * size: no block may serve two owners, directories are reached at most once, paths are at
 * most {@link Namespace#MAX_PATH} bytes.
 */
public final class Ext4Reader implements Closeable {
    private static final byte[] LOST_FOUND = "lost+found".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ImageChannel image;
    private final SuperblockView sb;
    private final boolean verify;
    private final InodeTable inodes;
    private final BlockMapper mapper;
    private final XattrParser xattrs;
    private final DirectoryParser directories;

    private Ext4Reader(ImageChannel image, SuperblockView sb, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.verify = verify;
        GroupTable groups = new GroupTable(image, sb, verify);
        this.inodes = new InodeTable(image, sb, groups, verify);
        this.mapper = new BlockMapper(image, sb, verify);
        this.xattrs = new XattrParser(image, sb, verify);
        this.directories = new DirectoryParser(image, sb, mapper, xattrs, verify);
    }

    /**
     * Opens the filesystem in {@code channel} (which stays the caller's to close) and checks its
     * superblock.
     *
     * @param label what error messages start with (the image's name)
     */
    public static Ext4Reader open(FileChannel channel, String label) throws IOException {
        return open(channel, label, true);
    }

    /** As {@link #open(FileChannel, String)}; tests turn checksums off to reach the structural checks. */
    static Ext4Reader open(FileChannel channel, String label, boolean verifyChecksums) throws IOException {
        ImageChannel image = new ImageChannel(channel, label);
        long size = image.size();
        if (size < SuperblockView.OFFSET + SuperblockView.SIZE) {
            throw new Ext4Exception(label + ": " + size + " bytes is too small for an ext2/3/4 filesystem");
        }
        byte[] raw = image.read(SuperblockView.OFFSET, SuperblockView.SIZE);
        SuperblockView sb = SuperblockView.parse(raw, label, size, verifyChecksums);
        image.setGeometry(sb.blockSize(), sb.blocksCount());
        return new Ext4Reader(image, sb, verifyChecksums);
    }

    /** What the superblock says, for messages and tools. */
    public record Info(int blockSize, long blocksCount, long inodesCount, int inodeSize, boolean metadataCsum,
                       long mkfsTime) {
    }

    /** The superblock's facts: block size, counts, inode size, checksums, creation time. */
    public Info info() {
        return new Info(sb.blockSize(), sb.blocksCount(), sb.inodesCount(), sb.inodeSize(), sb.metadataCsum(),
                sb.mkfsTime());
    }

    /** A pull stream of entries. */
    public interface EntryStream extends Closeable {
        /** The next entry, or null at the end. */
        Ext4Entry next() throws IOException;

        @Override
        default void close() {
        }
    }

    /**
     * Reads every directory, then returns the entries one by one; the file data of an entry is
     * read only when its {@link FileContent} is.
     */
    public EntryStream entries() throws IOException {
        BlockClaims claims = new BlockClaims(!sb.hasRo(Features.RO_COMPAT_SHARED_BLOCKS));
        Namespace ns = Namespace.scan(image.label(), inodes, directories, claims);
        EntryOrder order = new EntryOrder(ns, emptyLostFound(ns));
        int[] sequence = order.sequence();
        return new EntryStream() {
            private int next;

            @Override
            public Ext4Entry next() throws IOException {
                if (next == sequence.length) {
                    return null;
                }
                int name = sequence[next++];
                if (name == EntryOrder.ROOT) {
                    return entry(new byte[0], Geometry.ROOT_INO, claims);
                }
                if (order.isLink(name)) {
                    return new Ext4Entry(ns.path(name), Ext4Entry.Type.HARDLINK, 0, 0, 0, 0, 0, Map.of(),
                            ns.path(order.firstName(name)), 0, 0, 0, ns.inodeOf(name), null);
                }
                return entry(ns.path(name), ns.inodeOf(name), claims);
            }
        };
    }

    /**
     * The entry at {@code path} (no symbolic links followed), or empty when there is none; reads
     * only the directories on the way.
     */
    public Optional<Ext4Entry> lookup(byte[] path) throws IOException {
        long ino = Geometry.ROOT_INO;
        int from = 0;
        while (from < path.length) {
            int to = from;
            while (to < path.length && path[to] != '/') {
                to++;
            }
            byte[] part = Arrays.copyOfRange(path, from, to);
            String where = where(Arrays.copyOf(path, from == 0 ? 0 : from - 1));
            InodeView dir = inodes.read(ino, where);
            if (!dir.isDirectory()) {
                return Optional.empty();
            }
            long[] found = {0};
            directories.read(dir, where, new BlockClaims(true), (name, child) -> {
                if (Arrays.equals(name, part)) {
                    found[0] = child;
                }
            });
            if (found[0] == 0) {
                return Optional.empty();
            }
            ino = found[0];
            from = to + 1;
        }
        return Optional.of(entry(path, ino, new BlockClaims(true)));
    }

    /** Builds the entry of one inode under one name; claims its blocks. */
    private Ext4Entry entry(byte[] path, long ino, BlockClaims claims) throws IOException {
        String where = where(path) + " (inode " + ino + ")";
        InodeView inode = inodes.read(ino, where(path));
        if (inode.has(InodeView.ENCRYPT_FL)) {
            throw new Ext4Exception(where + ": encrypted (fscrypt); its names and data cannot be read");
        }
        if (inode.has(InodeView.EA_INODE_FL)) {
            throw new Ext4Exception(where + ": an xattr value inode (ea_inode) named in a directory");
        }
        if (inode.has(InodeView.INLINE_DATA_FL) && !sb.has(Features.INCOMPAT_INLINE_DATA)) {
            throw new Ext4Exception(where + ": inline data, but the filesystem lacks the inline_data feature");
        }
        XattrParser.Parsed x = xattrs.read(inode, where);
        Ext4Entry.Type type = switch (inode.type()) {
            case InodeStore.S_IFREG -> Ext4Entry.Type.FILE;
            case InodeStore.S_IFDIR -> Ext4Entry.Type.DIRECTORY;
            case InodeStore.S_IFLNK -> Ext4Entry.Type.SYMLINK;
            case InodeStore.S_IFCHR -> Ext4Entry.Type.CHARACTER_DEVICE;
            case InodeStore.S_IFBLK -> Ext4Entry.Type.BLOCK_DEVICE;
            case InodeStore.S_IFIFO -> Ext4Entry.Type.FIFO;
            case InodeStore.S_IFSOCK -> Ext4Entry.Type.SOCKET;
            default -> throw new Ext4Exception(where + ": unknown file type in mode 0"
                    + Integer.toOctalString(inode.mode()));
        };
        if (inode.mtimeNanos() > 999_999_999) {
            throw new Ext4Exception(where + ": mtime nanoseconds " + inode.mtimeNanos() + " out of range");
        }
        FileContent content = null;
        byte[] target = null;
        long size = 0;
        int major = 0;
        int minor = 0;
        switch (type) {
            case FILE -> {
                content = content(inode, x, where, claims);
                size = content.size();
            }
            case SYMLINK -> {
                target = symlinkTarget(inode, x, where, claims);
                size = target.length;
            }
            case CHARACTER_DEVICE, BLOCK_DEVICE -> {
                ByteBuffer b = ByteBuffer.wrap(inode.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
                int old = b.getInt(0);
                if (old != 0) {
                    major = (old >>> 8) & 0xFF;
                    minor = old & 0xFF;
                } else {
                    int dev = b.getInt(4);
                    major = (dev & 0xFFF00) >>> 8;
                    minor = (dev & 0xFF) | ((dev >>> 12) & 0xFFF00);
                }
            }
            default -> { }
        }
        return new Ext4Entry(path, type, inode.permissions(), inode.uid(), inode.gid(), inode.mtimeSeconds(),
                inode.mtimeNanos(), x.xattrs(), target, major, minor, size, ino, content);
    }

    private FileContent content(InodeView inode, XattrParser.Parsed x, String where, BlockClaims claims)
            throws IOException {
        long size = inode.size();
        boolean inline = inode.has(InodeView.INLINE_DATA_FL);
        long maxBlocks = inline || inode.has(InodeView.EXTENTS_FL) ? BlockMapper.MAX_LOGICAL : blockMapLimit();
        long bs = sb.blockSize();
        if (size < 0 || size > maxBlocks * bs) {
            throw new Ext4Exception(where + ": size " + Long.toUnsignedString(size) + " is more than such a file can hold ("
                    + maxBlocks * bs + " bytes)");
        }
        if (inline) {
            // i_block, then the "system.data" xattr; past them (mke2fs -d leaves all-zero files
            // so) the file reads as zeros, as the kernel reads it.
            byte[] more = x.systemData() == null ? new byte[0] : x.systemData();
            byte[] data = new byte[(int) Math.min(size, InodeView.I_BLOCK_SIZE + more.length)];
            int head = Math.min(data.length, InodeView.I_BLOCK_SIZE);
            System.arraycopy(inode.iBlock(), 0, data, 0, head);
            System.arraycopy(more, 0, data, head, data.length - head);
            return FileContent.inline(data, size);
        }
        ExtentMap map = mapper.map(inode, (size + bs - 1) / bs, where, claims);
        return FileContent.mapped(image, map, size);
    }

    /** Blocks a block-mapped file can address: 12 direct, then single, double and triple indirect. */
    private long blockMapLimit() {
        long p = sb.blockSize() / 4;
        return Math.min(BlockMapper.MAX_LOGICAL, 12 + p + p * p + p * p * p);
    }

    /**
     * A symlink's target: inline data; in i_block when the inode has no blocks of its own (the
     * kernel's rule for fast symlinks); else its data blocks.
     */
    private byte[] symlinkTarget(InodeView inode, XattrParser.Parsed x, String where, BlockClaims claims)
            throws IOException {
        long size = inode.size();
        if (size < 1 || size >= 4096) {
            throw new Ext4Exception(where + ": symlink target of " + size + " bytes (must be 1..4095)");
        }
        byte[] target;
        long xattrBlocks = inode.fileAcl() != 0 ? sb.blockSize() / 512 : 0;
        if (inode.has(InodeView.INLINE_DATA_FL) || inode.blocks512() != xattrBlocks) {
            target = content(inode, x, where, claims).open().readNBytes((int) size);
        } else {
            if (size >= InodeView.I_BLOCK_SIZE) {
                throw new Ext4Exception(where + ": fast symlink target of " + size + " bytes (at most 59)");
            }
            target = Arrays.copyOf(inode.iBlock(), (int) size);
        }
        for (byte c : target) {
            if (c == 0) {
                throw new Ext4Exception(where + ": symlink target contains a NUL byte");
            }
        }
        return target;
    }

    /** The top-level lost+found to leave out: an empty directory, 0700, owned by 0:0, without xattrs. */
    private int emptyLostFound(Namespace ns) throws IOException {
        for (int k = ns.firstChild(Namespace.ROOT_DIR), end = k + ns.childCount(Namespace.ROOT_DIR); k < end; k++) {
            int dir = ns.asDir(k);
            if (dir >= 0 && Arrays.equals(ns.nameBytes(k), LOST_FOUND) && ns.childCount(dir) == 0) {
                String where = where(LOST_FOUND);
                InodeView inode = inodes.read(ns.inodeOf(k), where);
                if (inode.permissions() == 0700 && inode.uid() == 0 && inode.gid() == 0
                        && xattrs.read(inode, where).xattrs().isEmpty()) {
                    return k;
                }
            }
        }
        return -1;
    }

    private String where(byte[] path) {
        return image.label() + ": /" + Namespace.show(path);
    }

    /** The channel belongs to the caller; nothing to release here. */
    @Override
    public void close() {
    }
}
