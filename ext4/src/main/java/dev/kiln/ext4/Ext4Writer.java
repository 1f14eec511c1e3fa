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
import java.util.ArrayList;
import java.util.List;
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
 * non-directory, and the numbers of {@link Ext4Limits}: files up to 16 TiB - 4 KiB, uid and
 * gid up to 2^32 - 1, device majors up to 4,095 and minors up to 1,048,575. Times outside
 * 1901-12-13 .. 2446-05-10 are clamped to that range, as the kernel does, and counted in one
 * warning of {@link Ext4Summary#warnings()}. With an exact size the image must hold
 * everything; the error says how many MiB it needs. Sized to fit, the image is at most 1 TiB.
 *
 * <p>Sparse files ({@link #file(byte[], Attributes, long, List, InputStream)}) are written
 * region by region; their holes cost no time and no space, whatever their size.
 *
 * <p>Nothing recurses over the tree, so paths may be as deep as memory allows.
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
    /** Times clamped into ext4's range, and the first path whose time was. */
    private long clampedTimes;
    private String firstClamped;
    private IOException failure;
    private boolean finished;
    private boolean started;

    /**
     * A writer of one image into {@code output}, from its position 0; nothing is written before
     * the first entry. The caller closes the channel after {@link #close()}.
     *
     * @throws IllegalArgumentException for a label over 16 bytes or a UUID not of 16 bytes
     */
    public Ext4Writer(FileChannel output, Ext4Options options) {
        if (options.label() != null && options.label().getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new IllegalArgumentException("label \"" + options.label() + "\" is longer than 16 bytes");
        }
        if (options.uuid() != null && options.uuid().length != 16) {
            throw new IllegalArgumentException("uuid must be 16 bytes, not " + options.uuid().length);
        }
        this.output = output;
        long creation = Ext4Limits.clampTime(options.creationTime());
        if (creation != options.creationTime()) {
            countClamp("the creation time");
            options = options.withCreationTime(creation);
        }
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

    /** Adds a directory at {@code path} (the empty path: sets the root's attributes). */
    public void directory(byte[] path, Attributes given) throws IOException {
        run(() -> {
            record('d', path, given, 0);
            Attributes attributes = checked(path, given);
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

    /** Streams exactly {@code size} bytes from {@code content}; all-zero blocks become holes. */
    public void file(byte[] path, Attributes attributes, long size, InputStream content) throws IOException {
        file(path, attributes, size, List.of(new DataRegion(0, size)), content);
    }

    /**
     * A sparse file of {@code size} bytes: {@code content} holds the bytes of {@code regions}
     * back to back; the rest of the file is holes. Regions must be in increasing order, not
     * overlap and lie within the file. All-zero blocks inside them become holes too.
     */
    public void file(byte[] path, Attributes given, long size, List<DataRegion> regions, InputStream content)
            throws IOException {
        run(() -> {
            record('f', path, given, size);
            List<DataRegion> map = normalize(path, size, regions);
            Attributes attributes = checked(path, given);
            if (size > Ext4Limits.MAX_FILE_SIZE) {
                throw new Ext4LimitException(display(path) + ": file of " + size + " bytes is larger than ext4's maximum of "
                        + Ext4Limits.MAX_FILE_SIZE + " bytes (16 TiB - 4 KiB)", size, Ext4Limits.MAX_FILE_SIZE);
            }
            Tree.Slot slot = nonRootSlot(path);
            int ino = tree.newInode(InodeStore.S_IFREG, attributes);
            layoutXattrs(path, ino, attributes);
            contentSum.reset();
            long[] extents = data.writeRegions(Tree.show(path), map, content, contentSum);
            digestLong(contentSum.getValue());
            inodes.setExtents(ino, extents);
            inodes.size[ino] = size;
            tree.attach(slot.parent(), slot.name(), ino);
        });
    }

    /** Checks a sparse map and merges touching regions, dropping empty ones; the result depends on content only. */
    private static List<DataRegion> normalize(byte[] path, long size, List<DataRegion> regions) throws Ext4Exception {
        List<DataRegion> out = new ArrayList<>(regions.size());
        long end = 0;
        for (int i = 0; i < regions.size(); i++) {
            DataRegion r = regions.get(i);
            if (r.offset() < end || r.length() < 0 || r.offset() > size || r.length() > size - r.offset()) {
                throw new Ext4Exception(display(path) + ": data region " + i + " (offset " + r.offset() + ", length "
                        + r.length() + ") overlaps the one before or lies outside the file's " + size + " bytes");
            }
            end = r.offset() + r.length();
            if (r.length() == 0) {
                continue;
            }
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).offset() + out.get(last).length() == r.offset()) {
                out.set(last, new DataRegion(out.get(last).offset(), out.get(last).length() + r.length()));
            } else {
                out.add(r);
            }
        }
        return out;
    }

    /** Adds a symbolic link at {@code path} to {@code target} (1..4,095 bytes, stored as given). */
    public void symlink(byte[] path, Attributes given, byte[] target) throws IOException {
        run(() -> {
            record('l', path, given, target.length);
            digest.update(target);
            Attributes attributes = checked(path, given);
            if (target.length == 0 || target.length >= Geometry.BLOCK_SIZE) {
                throw new Ext4LimitException(Tree.show(path) + ": symlink target of " + target.length
                        + " bytes (must be 1.." + (Geometry.BLOCK_SIZE - 1) + ")", target.length, Geometry.BLOCK_SIZE - 1);
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
            // Not digested here: a link's place among the calls does not shape the image (it takes
            // no inode and no block), and a reader cannot give it back; finish() digests the links
            // as they end up, so an image read back and written again keeps its UUID.
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
                throw new Ext4LimitException(Tree.show(path) + ": more than " + MAX_LINKS + " hard links to "
                        + Tree.show(existingPath), inodes.links[target] + 1L, MAX_LINKS);
            }
            // Count the new name first, so replacing a subtree that holds the target keeps it.
            inodes.links[target]++;
            tree.attach(slot.parent(), slot.name(), target);
            inodes.links[target]--;
        });
    }

    /** Adds a device node, FIFO or socket at {@code path}; {@code major} and {@code minor} matter for devices only. */
    public void special(byte[] path, Attributes given, SpecialType type, int major, int minor)
            throws IOException {
        run(() -> {
            record('s', path, given, ((long) major << 32) | (minor & 0xFFFFFFFFL));
            digest.update((byte) type.ordinal());
            Attributes attributes = checked(path, given);
            if (major < 0 || major > Ext4Limits.MAX_DEVICE_MAJOR || minor < 0 || minor > Ext4Limits.MAX_DEVICE_MINOR) {
                boolean majorBeyond = major < 0 || major > Ext4Limits.MAX_DEVICE_MAJOR;
                throw new Ext4LimitException(display(path) + ": device " + Integer.toUnsignedString(major) + ":"
                        + Integer.toUnsignedString(minor) + " is beyond ext4's limits (major 0.."
                        + Ext4Limits.MAX_DEVICE_MAJOR + ", minor 0.." + Ext4Limits.MAX_DEVICE_MINOR + ")",
                        Integer.toUnsignedLong(majorBeyond ? major : minor),
                        majorBeyond ? Ext4Limits.MAX_DEVICE_MAJOR : Ext4Limits.MAX_DEVICE_MINOR);
            }
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
            tree.forEachLinkedName((dir, name, ino) -> {
                digest.update((byte) 'h');
                digestLong(dir);
                digestLong(name.length);
                digest.update(name);
                digestLong(ino);
            });
            byte[] sha = digest.digest();
            Ext4Summary s = new ImageFinisher(output, options, inodes, tree, data, xattrLayouts, gdtRegion, sha).finish();
            List<String> warnings = new ArrayList<>(s.warnings());
            if (clampedTimes > 0) {
                warnings.add(clampedTimes + (clampedTimes == 1 ? " time" : " times") + " outside ext4's range ("
                        + Ext4Limits.timeRange() + ") clamped to it, as the kernel does; the first: " + firstClamped);
            }
            result[0] = new Ext4Summary(s.sizeBytes(), s.blockCount(), s.freeBlocks(), s.inodeCount(),
                    s.freeInodes(), s.uuid(), warnings);
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

    /**
     * The attributes as ext4 stores them: ids past 32 bits are an error (storing their low bits
     * would hand the file to another user, often root); a time outside ext4's range is clamped.
     */
    private Attributes checked(byte[] path, Attributes a) throws Ext4Exception {
        if (a.uid() < 0 || a.uid() > Ext4Limits.MAX_ID) {
            throw new Ext4LimitException(display(path) + ": uid " + a.uid() + " is beyond ext4's limit of " + Ext4Limits.MAX_ID,
                    a.uid(), Ext4Limits.MAX_ID);
        }
        if (a.gid() < 0 || a.gid() > Ext4Limits.MAX_ID) {
            throw new Ext4LimitException(display(path) + ": gid " + a.gid() + " is beyond ext4's limit of " + Ext4Limits.MAX_ID,
                    a.gid(), Ext4Limits.MAX_ID);
        }
        long seconds = Ext4Limits.clampTime(a.mtimeSeconds());
        if (seconds == a.mtimeSeconds()) {
            return a;
        }
        countClamp(display(path));
        // At a bound the kernel drops the nanoseconds too (timestamp_truncate).
        return new Attributes(a.permissions(), a.uid(), a.gid(), seconds, 0, a.xattrs());
    }

    private void countClamp(String what) {
        if (clampedTimes++ == 0) {
            firstClamped = what;
        }
    }

    /** A path for messages; the root shows as "/". */
    static String display(byte[] path) {
        return path.length == 0 ? "/" : Tree.show(path);
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
            // by name: the order a source lists xattrs in (a tar's, the reader's) says nothing
            for (Map.Entry<String, byte[]> x : new java.util.TreeMap<>(a.xattrs()).entrySet()) {
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
