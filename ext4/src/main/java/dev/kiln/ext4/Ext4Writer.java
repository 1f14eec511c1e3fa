package dev.kiln.ext4;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes an ext4 filesystem image from a stream of entries, shaped like a tar writer.
 *
 * <p>Paths are byte strings relative to the root, '/'-separated, with no empty, "." or ".."
 * components; the empty path is the root directory. Parents that were never given are
 * created (0755, 0:0). A later entry for a path replaces the earlier one (as tar extraction
 * does); replacing a directory by a non-directory drops its subtree. File data is written to
 * the channel as it arrives; all metadata is laid out and written by {@link #finish()}.
 *
 * <p>Limits, each an {@link Ext4Exception} naming the path: names of 1..255 bytes without NUL,
 * symlink targets of 1..4,095 bytes (under 60 bytes they live in the inode), at most 65,000
 * names per file, hard links only to existing non-directories, no path through a
 * non-directory. With an exact size the image must hold everything; the error says how many
 * MiB it needs.
 *
 * <p>The output is deterministic: the same calls and options give the same bytes. A null
 * UUID is derived from a SHA-256 over every call's path and attributes and a CRC32C of each
 * file's content (cheaper than hashing all data with SHA-256, and enough to tell inputs apart);
 * the directory hash seed is derived the same way; no wall-clock time is used.
 *
 * <p>The first failure is remembered and rethrown by every later call.
 */
public final class Ext4Writer implements Closeable {
    /** Fast symlinks keep their target in i_block when it is shorter than this. */
    static final int FAST_SYMLINK_MAX = 60;
    /** ext4's limit on names for one non-directory inode (EXT4_LINK_MAX). */
    static final int MAX_LINKS = 65000;

    private final FileChannel output;
    private final Ext4Options options;
    private final InodeStore inodes = new InodeStore();
    private final Tree tree;
    private final DataWriter data;
    /** Xattr layouts by inode, computed when the entry arrives so errors name the path. */
    private final Map<Integer, XattrEncoder.Layout> xattrLayouts = new TreeMap<>();
    private final MessageDigest digest;
    private final CRC32C contentSum = new CRC32C();
    private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private final int gdtRegion;
    private IOException failure;
    private boolean finished;
    private boolean started;

    public Ext4Writer(FileChannel output, Ext4Options options) {
        if (options.label() != null && options.label().getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new IllegalArgumentException("label \"" + options.label() + "\" is longer than 16 bytes");
        }
        if (options.uuid() != null && options.uuid().length != 16) {
            throw new IllegalArgumentException("uuid must be 16 bytes, not " + options.uuid().length);
        }
        this.output = output;
        this.options = options;
        this.tree = new Tree(inodes, options.creationTime());
        if (options.sizeBytes() > 0) {
            long blocks = Layout.trimTinyLastGroup(options.sizeBytes() / Geometry.BLOCK_SIZE,
                    1 + Geometry.gdtBlocks(Geometry.groupsFor(options.sizeBytes() / Geometry.BLOCK_SIZE)));
            gdtRegion = Geometry.gdtBlocks(Geometry.groupsFor(blocks)) + Geometry.reservedGdtBlocks(blocks);
        } else {
            gdtRegion = Geometry.GROWABLE_GDT_REGION;
        }
        this.data = new DataWriter(output, new BlockAllocator(gdtRegion));
        if (options.sizeBytes() > 0) {
            data.limitWritesTo(options.sizeBytes() / Geometry.BLOCK_SIZE);
        }
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    public void directory(byte[] path, Attributes attributes) throws IOException {
        run(() -> {
            record('d', path, attributes, 0);
            if (path.length == 0) {
                inodes.setAttributes(Geometry.ROOT_INO, InodeStore.S_IFDIR, attributes);
                layoutXattrs(path, Geometry.ROOT_INO, attributes);
                return;
            }
            Tree.Slot slot = tree.slot(path);
            Integer existing = tree.existing(slot);
            if (existing != null && inodes.isDir(existing)) {
                inodes.setAttributes(existing, InodeStore.S_IFDIR, attributes);
                layoutXattrs(path, existing, attributes);
                return;
            }
            int ino = tree.newInode(InodeStore.S_IFDIR, attributes);
            layoutXattrs(path, ino, attributes);
            tree.attach(slot.parent(), slot.name(), ino);
        });
    }

    /** Streams exactly {@code size} bytes from {@code data}; all-zero blocks become holes. */
    public void file(byte[] path, Attributes attributes, long size, InputStream content) throws IOException {
        run(() -> {
            record('f', path, attributes, size);
            Tree.Slot slot = nonRootSlot(path);
            int ino = tree.newInode(InodeStore.S_IFREG, attributes);
            layoutXattrs(path, ino, attributes);
            contentSum.reset();
            long[] extents = data.writeStream(Tree.show(path), content, size, contentSum);
            digestLong(contentSum.getValue());
            inodes.setExtents(ino, extents);
            inodes.size[ino] = size;
            tree.attach(slot.parent(), slot.name(), ino);
        });
    }

    public void symlink(byte[] path, Attributes attributes, byte[] target) throws IOException {
        run(() -> {
            record('l', path, attributes, target.length);
            digest.update(target);
            if (target.length == 0 || target.length >= Geometry.BLOCK_SIZE) {
                throw new Ext4Exception(Tree.show(path) + ": symlink target of " + target.length
                        + " bytes (must be 1.." + (Geometry.BLOCK_SIZE - 1) + ")");
            }
            Tree.Slot slot = nonRootSlot(path);
            int ino = tree.newInode(InodeStore.S_IFLNK, attributes);
            layoutXattrs(path, ino, attributes);
            if (target.length < FAST_SYMLINK_MAX) {
                inodes.fastSymlinks.put(ino, target.clone());
            } else {
                inodes.setExtents(ino, data.writeBytes(target));
            }
            inodes.size[ino] = target.length;
            tree.attach(slot.parent(), slot.name(), ino);
        });
    }

    /** Adds another name for the inode already at {@code existingPath}. */
    public void hardLink(byte[] path, byte[] existingPath) throws IOException {
        run(() -> {
            record('h', path, null, 0);
            digest.update(existingPath);
            int target = tree.lookup(existingPath);
            if (target == 0) {
                throw new Ext4Exception(Tree.show(path) + ": hard link target " + Tree.show(existingPath)
                        + " does not exist");
            }
            if (inodes.isDir(target)) {
                throw new Ext4Exception(Tree.show(path) + ": hard link target " + Tree.show(existingPath)
                        + " is a directory");
            }
            Tree.Slot slot = nonRootSlot(path);
            Integer existing = tree.existing(slot);
            if (existing != null && existing == target) {
                return;
            }
            if (inodes.links[target] >= MAX_LINKS) {
                throw new Ext4Exception(Tree.show(path) + ": more than " + MAX_LINKS + " hard links to "
                        + Tree.show(existingPath));
            }
            // Count the new name first, so replacing a subtree that holds the target keeps it.
            inodes.links[target]++;
            tree.attach(slot.parent(), slot.name(), target);
            inodes.links[target]--;
        });
    }

    public void special(byte[] path, Attributes attributes, SpecialType type, int major, int minor)
            throws IOException {
        run(() -> {
            record('s', path, attributes, ((long) major << 32) | (minor & 0xFFFFFFFFL));
            digest.update((byte) type.ordinal());
            Tree.Slot slot = nonRootSlot(path);
            int mode = switch (type) {
                case CHARACTER_DEVICE -> InodeStore.S_IFCHR;
                case BLOCK_DEVICE -> InodeStore.S_IFBLK;
                case FIFO -> InodeStore.S_IFIFO;
                case SOCKET -> InodeStore.S_IFSOCK;
            };
            int ino = tree.newInode(mode, attributes);
            layoutXattrs(path, ino, attributes);
            if (inodes.isDevice(ino)) {
                inodes.start[ino] = ((long) major << 32) | (minor & 0xFFFFFFFFL);
            }
            tree.attach(slot.parent(), slot.name(), ino);
        });
    }

    /** Lays out and writes all metadata; sizes the image; the channel then holds the whole filesystem. */
    public Ext4Summary finish() throws IOException {
        Ext4Summary[] result = new Ext4Summary[1];
        run(() -> {
            if (finished) {
                throw new IllegalStateException("finish() called twice");
            }
            finished = true;
            data.flush();
            byte[] sha = digest.digest();
            result[0] = new ImageFinisher(output, options, inodes, tree, data, xattrLayouts, gdtRegion, sha).finish();
        });
        return result[0];
    }

    @Override
    public void close() throws IOException {
    }

    private interface Step {
        void run() throws IOException;
    }

    private void run(Step step) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (finished) {
            throw new IllegalStateException("writer already finished");
        }
        try {
            if (!started) {
                // Unwritten blocks must read as zeros (holes), whatever the file held before.
                output.truncate(0);
                started = true;
            }
            step.run();
        } catch (IOException e) {
            failure = e;
            throw e;
        } catch (RuntimeException e) {
            failure = new IOException("ext4 writer failed: " + e, e);
            throw e;
        }
    }

    private Tree.Slot nonRootSlot(byte[] path) throws Ext4Exception {
        if (path.length == 0) {
            throw new Ext4Exception("/: the root can only be a directory");
        }
        return tree.slot(path);
    }

    private void layoutXattrs(byte[] path, int ino, Attributes attributes) throws Ext4Exception {
        xattrLayouts.remove(ino);
        if (!attributes.xattrs().isEmpty()) {
            int inline = Inode.SIZE - 128 - Geometry.EXTRA_ISIZE;
            xattrLayouts.put(ino, XattrEncoder.layout(Tree.show(path), attributes.xattrs(), inline,
                    Geometry.BLOCK_SIZE));
        }
    }

    /** Feeds what an entry says into the digest the UUID and hash seed are derived from. */
    private void record(char op, byte[] path, Attributes a, long extra) {
        digest.update((byte) op);
        digestLong(path.length);
        digest.update(path);
        digestLong(extra);
        if (a != null) {
            digestLong(a.permissions());
            digestLong(a.uid());
            digestLong(a.gid());
            digestLong(a.mtimeSeconds());
            digestLong(a.mtimeNanos());
            for (Map.Entry<String, byte[]> x : a.xattrs().entrySet()) {
                byte[] name = x.getKey().getBytes(StandardCharsets.UTF_8);
                digestLong(name.length);
                digest.update(name);
                digestLong(x.getValue().length);
                digest.update(x.getValue());
            }
        }
    }

    private void digestLong(long v) {
        digest.update(scratch.putLong(0, v).array());
    }
}
