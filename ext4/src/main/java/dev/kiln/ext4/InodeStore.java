package dev.kiln.ext4;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Metadata of every inode as parallel primitive arrays indexed by inode number, so a
 * million-file tree costs tens of bytes per file instead of an object graph. Rare extras
 * (several extents, xattrs, fast symlink targets) live in side maps.
 */
final class InodeStore {
    static final int S_IFIFO = 0x1000;
    static final int S_IFCHR = 0x2000;
    static final int S_IFDIR = 0x4000;
    static final int S_IFBLK = 0x6000;
    static final int S_IFREG = 0x8000;
    static final int S_IFLNK = 0xA000;
    static final int S_IFSOCK = 0xC000;
    static final int S_IFMT = 0xF000;

    private int capacity = 1024;
    /** Highest inode number handed out so far. */
    private int last = Geometry.FIRST_INO;
    int[] mode = new int[capacity];
    int[] uid = new int[capacity];
    int[] gid = new int[capacity];
    long[] mtime = new long[capacity];
    int[] nanos = new int[capacity];
    long[] size = new long[capacity];
    /** Names pointing at a non-directory; subdirectory count is computed at finish for directories. */
    int[] links = new int[capacity];
    /**
     * One extent starting at logical block 0: physical start and length (0 = none). For
     * devices, the encoded device number. Files with any other shape keep their extents in
     * {@link #extents}.
     */
    long[] start = new long[capacity];
    int[] length = new int[capacity];
    final Map<Integer, long[]> extents = new HashMap<>();
    final Map<Integer, byte[]> fastSymlinks = new HashMap<>();
    final Map<Integer, Map<String, byte[]>> xattrs = new HashMap<>();

    int last() {
        return last;
    }

    int allocate() {
        int ino = ++last;
        if (ino >= capacity) {
            capacity = capacity * 2;
            mode = Arrays.copyOf(mode, capacity);
            uid = Arrays.copyOf(uid, capacity);
            gid = Arrays.copyOf(gid, capacity);
            mtime = Arrays.copyOf(mtime, capacity);
            nanos = Arrays.copyOf(nanos, capacity);
            size = Arrays.copyOf(size, capacity);
            links = Arrays.copyOf(links, capacity);
            start = Arrays.copyOf(start, capacity);
            length = Arrays.copyOf(length, capacity);
        }
        return ino;
    }

    void setAttributes(int ino, int type, Attributes a) {
        mode[ino] = type | (a.permissions() & 07777);
        uid[ino] = (int) a.uid();
        gid[ino] = (int) a.gid();
        mtime[ino] = a.mtimeSeconds();
        nanos[ino] = a.mtimeNanos();
        if (a.xattrs().isEmpty()) {
            xattrs.remove(ino);
        } else {
            xattrs.put(ino, a.xattrs());
        }
    }

    /** Sets the data extents (packed as in {@link ExtentList}). */
    void setExtents(int ino, long[] packed) {
        extents.remove(ino);
        start[ino] = 0;
        length[ino] = 0;
        if (packed.length == 0) {
            return;
        }
        if (packed.length == 2 && ExtentList.logical(packed, 0) == 0) {
            start[ino] = ExtentList.physical(packed, 0);
            length[ino] = ExtentList.length(packed, 0);
        } else {
            extents.put(ino, packed);
        }
    }

    long[] extentsOf(int ino) {
        long[] multi = extents.get(ino);
        if (multi != null) {
            return multi;
        }
        if (length[ino] == 0 || isDevice(ino)) {
            return new long[0];
        }
        return ExtentList.single(0, start[ino], length[ino]);
    }

    boolean isDevice(int ino) {
        int t = mode[ino] & S_IFMT;
        return t == S_IFCHR || t == S_IFBLK;
    }

    boolean isDir(int ino) {
        return (mode[ino] & S_IFMT) == S_IFDIR;
    }

    boolean isLive(int ino) {
        return mode[ino] != 0;
    }

    /** Forgets an inode whose last name went away; its blocks become free at layout time. */
    void free(int ino) {
        mode[ino] = 0;
        links[ino] = 0;
        size[ino] = 0;
        start[ino] = 0;
        length[ino] = 0;
        extents.remove(ino);
        fastSymlinks.remove(ino);
        xattrs.remove(ino);
    }

    static int direntType(int mode) {
        switch (mode & S_IFMT) {
            case S_IFREG: return 1;
            case S_IFDIR: return 2;
            case S_IFCHR: return 3;
            case S_IFBLK: return 4;
            case S_IFIFO: return 5;
            case S_IFSOCK: return 6;
            case S_IFLNK: return 7;
            default: throw new IllegalStateException("no type in mode " + Integer.toOctalString(mode));
        }
    }
}
