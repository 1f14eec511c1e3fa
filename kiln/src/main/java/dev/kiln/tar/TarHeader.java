package dev.kiln.tar;

import java.util.Arrays;

/**
 * One decoded 512-byte tar header block (ustar, GNU or v7). Numeric fields accept octal and
 * GNU base-256; string fields end at the first NUL or the field's end.
 */
final class TarHeader {
    static final int BLOCK = 512;

    final byte[] block;
    final byte type;

    private TarHeader(byte[] block) {
        this.block = block;
        this.type = block[156];
    }

    /** Null when the block is all zeros (end of archive). */
    static TarHeader parse(byte[] block) throws BadHeader {
        if (isZero(block)) {
            return null;
        }
        long stored;
        try {
            stored = number(block, 148, 8);
        } catch (BadHeader e) {
            throw new BadHeader("bad checksum field");
        }
        // Historic writers summed signed bytes; accept both sums as GNU tar and Go do.
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : block[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new BadHeader("bad header checksum");
        }
        return new TarHeader(block.clone());
    }

    static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    boolean isUstar() {
        return block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
                && block[261] == 'r' && block[262] == 0;
    }

    boolean isGnu() {
        return block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a'
                && block[261] == 'r' && block[262] == ' ' && block[263] == ' ';
    }

    /** The name with the ustar prefix applied (GNU headers use that area for other fields). */
    byte[] name() {
        byte[] name = string(block, 0, 100);
        if (!isUstar()) {
            return name;
        }
        // star puts a 131-byte prefix then atime/ctime, marked by "tar\0" at the end.
        boolean star = block[508] == 't' && block[509] == 'a' && block[510] == 'r' && block[511] == 0;
        byte[] prefix = string(block, 345, star ? 131 : 155);
        if (prefix.length == 0) {
            return name;
        }
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
    }

    byte[] linkName() {
        return string(block, 157, 100);
    }

    int mode() throws BadHeader {
        return (int) (number(block, 100, 8) & 07777);
    }

    long uid() throws BadHeader {
        return number(block, 108, 8);
    }

    long gid() throws BadHeader {
        return number(block, 116, 8);
    }

    long size() throws BadHeader {
        long size = number(block, 124, 12);
        if (size < 0) {
            throw new BadHeader("negative size");
        }
        return size;
    }

    long mtime() throws BadHeader {
        return number(block, 136, 12);
    }

    long devMajor() throws BadHeader {
        return (isUstar() || isGnu()) ? number(block, 329, 8) : 0;
    }

    long devMinor() throws BadHeader {
        return (isUstar() || isGnu()) ? number(block, 337, 8) : 0;
    }

    /** GNU 'S' headers: the real (expanded) size. */
    long gnuRealSize() throws BadHeader {
        return number(block, 483, 12);
    }

    /** GNU 'S' headers: whether extension blocks with more sparse entries follow. */
    boolean gnuIsExtended() {
        return block[482] != 0;
    }

    static byte[] string(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }

    /** Octal (space/NUL padded) or GNU base-256 (high bit set, two's complement). */
    static long number(byte[] b, int off, int len) throws BadHeader {
        if (len > 0 && (b[off] & 0x80) != 0) {
            int inv = (b[off] & 0x40) != 0 ? 0xff : 0;
            long x = 0;
            for (int i = 0; i < len; i++) {
                int c = (b[off + i] & 0xff) ^ inv;
                if (i == 0) {
                    c &= 0x7f;
                }
                if ((x >>> 55) != 0) {
                    throw new BadHeader("numeric field overflows");
                }
                x = (x << 8) | c;
            }
            return inv != 0 ? ~x : x;
        }
        int i = off;
        int end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) {
            i++;
        }
        long x = 0;
        boolean trailing = false;
        for (; i < end; i++) {
            int c = b[i];
            if (c == ' ' || c == 0) {
                trailing = true;
            } else if (c >= '0' && c <= '7' && !trailing) {
                if ((x >>> 60) != 0) {
                    throw new BadHeader("numeric field overflows");
                }
                x = (x << 3) | (c - '0');
            } else {
                throw new BadHeader("bad numeric field");
            }
        }
        return x;
    }

    /** A header that cannot be decoded; the reader adds the label and position. */
    static final class BadHeader extends Exception {
        BadHeader(String message) {
            super(message, null, false, false);
        }
    }
}
