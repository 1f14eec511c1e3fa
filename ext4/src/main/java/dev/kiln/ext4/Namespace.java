package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Every name of the tree, read by walking the directories from the root before anything is
 * emitted (the order of the entries depends on all of them). Names are kept in parallel
 * arrays, a few tens of bytes each; a name's path is rebuilt on demand by walking up to the
 * root, so no path is stored.
 *
 * <p>Each directory may be reached once: a second name for a directory inode is a loop or a
 * hard-linked directory, both refused, which is what makes the walk finite. Paths longer than
 * {@link #MAX_PATH} bytes are refused too: a deep chain of directories would otherwise make the
 * total length of all paths grow with the square of the depth.
 */
final class Namespace {
    static final int ROOT_DIR = 0;
    static final int MAX_PATH = 65536;

    private int names;
    private int[] nameDir = new int[1024];
    private int[] nameInode = new int[1024];
    private byte[][] nameBytes = new byte[1024][];
    /** The directory ordinal a name leads to, or -1 for a non-directory. */
    private int[] nameAsDir = new int[1024];

    private int dirs;
    private int[] dirInode = new int[64];
    /** The name of the directory in its parent, -1 for the root. */
    private int[] dirName = new int[64];
    private int[] dirFirst = new int[64];
    private int[] dirCount = new int[64];
    private int[] dirPathLength = new int[64];

    private final String label;

    private Namespace(String label) {
        this.label = label;
    }

    /** Reads every directory reachable from the root (inode 2). */
    static Namespace scan(String label, InodeTable inodes, DirectoryParser parser, BlockClaims claims)
            throws IOException {
        Namespace ns = new Namespace(label);
        InodeView root = inodes.read(Geometry.ROOT_INO, label + ": /");
        if (!root.isDirectory()) {
            throw new Ext4Exception(label + ": /: the root (inode 2) is not a directory");
        }
        ns.addDir(Geometry.ROOT_INO, -1);
        Map<Integer, Integer> dirOfInode = new HashMap<>();
        dirOfInode.put(Geometry.ROOT_INO, ROOT_DIR);
        Set<ByteBuffer> seen = new HashSet<>();
        for (int d = 0; d < ns.dirs; d++) {
            int dir = d;
            String where = ns.where(d);
            InodeView inode = d == ROOT_DIR ? root : inodes.read(Integer.toUnsignedLong(ns.dirInode[d]), where);
            int first = ns.names;
            seen.clear();
            parser.read(inode, where, claims, (name, child) -> {
                if (!seen.add(ByteBuffer.wrap(name))) {
                    throw new Ext4Exception(where + ": the name \"" + show(name) + "\" appears twice");
                }
                ns.addName(dir, name, (int) child);
            });
            ns.dirFirst[d] = first;
            ns.dirCount[d] = ns.names - first;
            for (int k = first; k < ns.names; k++) {
                long ino = Integer.toUnsignedLong(ns.nameInode[k]);
                String childWhere = label + ": " + ns.display(k);
                if (ino < Integer.toUnsignedLong(inodes.firstIno()) && ino != Geometry.ROOT_INO) {
                    throw new Ext4Exception(childWhere + ": names reserved inode " + ino);
                }
                if (inodes.read(ino, childWhere).isDirectory()) {
                    Integer other = dirOfInode.get(ns.nameInode[k]);
                    if (other != null) {
                        throw new Ext4Exception(childWhere + ": directory inode " + ino + " is also "
                                + (other == ROOT_DIR ? "/" : ns.display(ns.dirName[other]))
                                + " (a directory loop or a hard-linked directory)");
                    }
                    dirOfInode.put(ns.nameInode[k], ns.addDir(ns.nameInode[k], k));
                }
            }
        }
        return ns;
    }

    private void addName(int dir, byte[] name, int inode) throws Ext4Exception {
        if (names == nameDir.length) {
            int n = names * 2;
            nameDir = Arrays.copyOf(nameDir, n);
            nameInode = Arrays.copyOf(nameInode, n);
            nameBytes = Arrays.copyOf(nameBytes, n);
            nameAsDir = Arrays.copyOf(nameAsDir, n);
        }
        long length = (long) dirPathLength[dir] + (dir == ROOT_DIR ? 0 : 1) + name.length;
        if (length > MAX_PATH) {
            throw new Ext4Exception(where(dir) + ": a path inside is longer than " + MAX_PATH + " bytes");
        }
        nameDir[names] = dir;
        nameInode[names] = inode;
        nameBytes[names] = name;
        nameAsDir[names] = -1;
        names++;
    }

    private int addDir(int inode, int name) {
        if (dirs == dirInode.length) {
            int n = dirs * 2;
            dirInode = Arrays.copyOf(dirInode, n);
            dirName = Arrays.copyOf(dirName, n);
            dirFirst = Arrays.copyOf(dirFirst, n);
            dirCount = Arrays.copyOf(dirCount, n);
            dirPathLength = Arrays.copyOf(dirPathLength, n);
        }
        dirInode[dirs] = inode;
        dirName[dirs] = name;
        if (name >= 0) {
            int parent = nameDir[name];
            dirPathLength[dirs] = dirPathLength[parent] + (parent == ROOT_DIR ? 0 : 1) + nameBytes[name].length;
            nameAsDir[name] = dirs;
        }
        return dirs++;
    }

    int names() {
        return names;
    }

    int dirs() {
        return dirs;
    }

    int dirOf(int name) {
        return nameDir[name];
    }

    long inodeOf(int name) {
        return Integer.toUnsignedLong(nameInode[name]);
    }

    byte[] nameBytes(int name) {
        return nameBytes[name];
    }

    /** The directory ordinal this name leads to, or -1. */
    int asDir(int name) {
        return nameAsDir[name];
    }

    int firstChild(int dir) {
        return dirFirst[dir];
    }

    int childCount(int dir) {
        return dirCount[dir];
    }

    /** The name's path, relative to the root, '/'-separated. */
    byte[] path(int name) {
        int length = 0;
        for (int k = name; k >= 0; k = dirName[nameDir[k]]) {
            length += nameBytes[k].length + (length > 0 ? 1 : 0);
        }
        byte[] out = new byte[length];
        int end = length;
        for (int k = name; k >= 0; k = dirName[nameDir[k]]) {
            byte[] part = nameBytes[k];
            System.arraycopy(part, 0, out, end - part.length, part.length);
            end -= part.length;
            if (end > 0) {
                out[--end] = '/';
            }
        }
        return out;
    }

    /** "/path" of a name, for messages. */
    String display(int name) {
        return "/" + show(path(name));
    }

    private String where(int dir) {
        return label + ": " + (dir == ROOT_DIR ? "/" : display(dirName[dir]));
    }

    /**
     * A name from an image as an error message shows it: on one line (control characters and
     * bytes that are not UTF-8 escaped as \xNN) and cut at 1,000 characters, since a crafted
     * image can hold any bytes.
     */
    static String show(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException notUtf8) {
            text = new String(bytes, StandardCharsets.ISO_8859_1); // one char per byte, escaped below
        }
        boolean bytewise = !Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (bytewise && c >= 0x80)) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.length() > MAX_SHOWN ? out.substring(0, MAX_SHOWN) + "..." : out.toString();
    }

    private static final int MAX_SHOWN = 1000;
}
