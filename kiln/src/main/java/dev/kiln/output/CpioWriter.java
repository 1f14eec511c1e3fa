package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryType;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;

/**
 * Writes a {@link SpooledTree} as a newc ("070701") cpio archive, the format the kernel
 * unpacks into its initramfs.
 *
 * <p>Hard links follow the newc convention that both the kernel ({@code init/initramfs.c})
 * and GNU cpio expect: every name of the inode carries the same inode number and the full
 * link count, and only the last name in the archive carries the data (the others have size
 * 0). Names are written byte for byte: they go through commons-compress as ISO-8859-1
 * strings, which map each byte to one char and back. newc cannot hold xattrs; callers report
 * what is dropped ({@link #filesWithXattrs}).
 *
 * <p>What newc or the kernel's unpacker cannot hold is an error naming the path, never a
 * truncated field or an entry the kernel would silently skip: sizes, uids and gids past 32
 * bits, names over 4,095 bytes and symlink targets over 4,096 bytes (init/initramfs.c skips
 * entries whose name or target exceeds PATH_MAX). Files with holes are written in full (newc
 * has no holes), which the 4 GiB size limit bounds.
 */
final class CpioWriter {
    /** newc fields are 32-bit. */
    private static final long MAX_FIELD = 0xFFFF_FFFFL;
    /** The kernel's PATH_MAX: it skips a name (counted with its NUL) or symlink target longer than this. */
    private static final int PATH_MAX = 4096;

    private CpioWriter() {
    }

    static void write(SpooledTree tree, OutputStream out) throws IOException {
        write(tree, out, null, null);
    }

    /**
     * @param initLink when not null, a symlink "init" to it is added right after the root
     *                 (the tree has no /init of its own)
     * @param skip     when not null, a top-level name left out (the LinuxKit /kernel file)
     */
    static void write(SpooledTree tree, OutputStream out, byte[] initLink, byte[] skip) throws IOException {
        IdentityHashMap<SpooledTree.Node, Integer> links = tree.linkCounts();
        IdentityHashMap<SpooledTree.Node, Long> inodes = new IdentityHashMap<>();
        IdentityHashMap<SpooledTree.Node, Integer> written = new IdentityHashMap<>();
        OutputStream shield = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();   // the caller closes the compressor and file
            }
        };
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(shield, CpioConstants.FORMAT_NEW,
                CpioConstants.BLOCK_SIZE, "ISO-8859-1")) {
            tree.walk((path, node) -> {
                if (skip != null && java.util.Arrays.equals(path, skip)) {
                    return;
                }
                checkLimits(path, node);
                String name = path.length == 0 ? "." : new String(path, StandardCharsets.ISO_8859_1);
                CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
                // Inode numbers start at 1: commons-compress replaces inode 0 by its own counter.
                e.setInode(inodes.computeIfAbsent(node, n -> (long) inodes.size() + 1));
                e.setMode(typeBits(node.type, path) | node.mode);
                e.setUID(node.uid);
                e.setGID(node.gid);
                e.setTime(clampTime(node.mtime));
                int nlink = node.isDirectory() ? 2 + SpooledTree.subdirectories(node) : links.get(node);
                e.setNumberOfLinks(nlink);
                if (node.type == EntryType.CHARACTER_DEVICE || node.type == EntryType.BLOCK_DEVICE) {
                    e.setRemoteDeviceMaj(node.major);
                    e.setRemoteDeviceMin(node.minor);
                }
                int seen = written.merge(node, 1, Integer::sum);
                boolean carriesData = (node.type == EntryType.FILE || node.type == EntryType.SYMLINK) && seen == nlink;
                long size = carriesData ? node.size : 0;
                if (size > MAX_FIELD) {
                    throw new KilnException(printable(path) + ": " + size
                            + " bytes is too large for a cpio (newc) archive, whose limit is 4 GiB - 1");
                }
                e.setSize(size);
                cpio.putArchiveEntry(e);
                if (carriesData && node.type == EntryType.FILE) {
                    try (InputStream in = tree.open(node)) {
                        in.transferTo(cpio);
                    }
                } else if (carriesData) {
                    cpio.write(node.linkTarget);
                }
                cpio.closeArchiveEntry();
                if (path.length == 0 && initLink != null) {
                    CpioArchiveEntry init = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, "init");
                    init.setInode(inodes.size() + 1_000_000_000L);
                    init.setMode(CpioConstants.C_ISLNK | 0777);
                    init.setNumberOfLinks(1);
                    init.setTime(clampTime(node.mtime));
                    init.setSize(initLink.length);
                    cpio.putArchiveEntry(init);
                    cpio.write(initLink);
                    cpio.closeArchiveEntry();
                }
            });
            cpio.finish();
        }
    }

    private static void checkLimits(byte[] path, SpooledTree.Node node) {
        if (path.length + 1 > PATH_MAX) {
            throw new KilnException(shortened(path) + ": a path of " + path.length + " bytes is too long for an"
                    + " initramfs: the kernel skips names over " + (PATH_MAX - 1) + " bytes");
        }
        if (node.type == EntryType.SYMLINK && node.linkTarget != null && node.linkTarget.length > PATH_MAX) {
            throw new KilnException(printable(path) + ": a symlink target of " + node.linkTarget.length
                    + " bytes is too long for an initramfs: the kernel skips targets over " + PATH_MAX + " bytes");
        }
        checkId(path, "uid", node.uid);
        checkId(path, "gid", node.gid);
    }

    /** commons-compress would keep the low 32 bits: uid 2^32 would become root. */
    private static void checkId(byte[] path, String what, long id) {
        if (id < 0 || id > MAX_FIELD) {
            throw new KilnException(printable(path) + ": " + what + " " + id
                    + " is beyond a cpio (newc) archive's limit of " + MAX_FIELD);
        }
    }

    /** A path for a one-line message: its ends when it is very long. */
    static String shortened(byte[] path) {
        String p = printable(path);
        return p.length() <= 200 ? p : p.substring(0, 80) + "..." + p.substring(p.length() - 80);
    }

    /** A time's value in a newc field: seconds since 1970 that fit 32 bits, the nearest when not. */
    static long clampTime(long seconds) {
        return Math.max(0, Math.min(MAX_FIELD, seconds));
    }

    /** The range {@link #clampTime} keeps, for a warning. */
    static String timeRange() {
        return java.time.Instant.EPOCH + " .. " + java.time.Instant.ofEpochSecond(MAX_FIELD);
    }

    /** How many times a cpio archive cannot hold as they are, and the first path with one; null for none. */
    static java.util.Map.Entry<Integer, String> timesOutOfRange(SpooledTree tree) throws IOException {
        int[] count = {0};
        String[] first = {null};
        tree.walk((path, node) -> {
            if (clampTime(node.mtime) != node.mtime && count[0]++ == 0) {
                first[0] = "/" + printable(path);
            }
        });
        return count[0] == 0 ? null : java.util.Map.entry(count[0], first[0]);
    }

    /** Paths (for a warning or error) of names whose xattrs a cpio archive cannot keep. */
    static java.util.List<String> filesWithXattrs(SpooledTree tree) throws IOException {
        java.util.List<String> paths = new java.util.ArrayList<>();
        tree.walk((path, node) -> {
            if (!node.xattrs.isEmpty()) {
                paths.add("/" + printable(path) + " (" + String.join(", ", node.xattrs.keySet()) + ")");
            }
        });
        return paths;
    }

    private static int typeBits(EntryType type, byte[] path) {
        return switch (type) {
            case FILE -> CpioConstants.C_ISREG;
            case DIRECTORY -> CpioConstants.C_ISDIR;
            case SYMLINK -> CpioConstants.C_ISLNK;
            case CHARACTER_DEVICE -> CpioConstants.C_ISCHR;
            case BLOCK_DEVICE -> CpioConstants.C_ISBLK;
            case FIFO -> CpioConstants.C_ISFIFO;
            case SOCKET -> CpioConstants.C_ISSOCK;
            case HARDLINK -> throw new IllegalStateException(printable(path) + ": unresolved hard link");
        };
    }

    static String printable(byte[] path) {
        return new String(path, StandardCharsets.UTF_8);
    }
}
