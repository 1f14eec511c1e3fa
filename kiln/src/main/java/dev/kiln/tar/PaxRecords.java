package dev.kiln.tar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The PAX extended attributes that apply to one entry (global ones first, then its own).
 * Values stay bytes: with {@code hdrcharset=BINARY} (and in xattrs always) they need not be UTF-8,
 * and decoding them would corrupt binary xattrs such as security.capability.
 */
final class PaxRecords {
    byte[] path;
    byte[] linkPath;
    Long size;
    Long uid;
    Long gid;
    long[] mtime; // seconds, nanos
    Long devMajor;
    Long devMinor;
    /** SCHILY.xattr.* (raw) and LIBARCHIVE.xattr.* (base64, percent-encoded names). */
    final Map<String, byte[]> xattrs = new TreeMap<>();
    byte[] aclAccess;
    byte[] aclDefault;

    // GNU sparse, PAX forms 0.0, 0.1 and 1.0.
    byte[] sparseName;
    Long sparseRealSize;
    Long sparseMajor;
    Long sparseMinor;
    String sparseMap;
    Long sparseNumBlocks;
    final List<Long> sparseOffsets = new ArrayList<>();
    final List<Long> sparseNumBytes = new ArrayList<>();

    /** An independent copy: the merged global state is copied once per entry, then amended. */
    PaxRecords copy() {
        PaxRecords c = new PaxRecords();
        c.path = path;
        c.linkPath = linkPath;
        c.size = size;
        c.uid = uid;
        c.gid = gid;
        c.mtime = mtime;
        c.devMajor = devMajor;
        c.devMinor = devMinor;
        c.xattrs.putAll(xattrs);
        c.aclAccess = aclAccess;
        c.aclDefault = aclDefault;
        c.sparseName = sparseName;
        c.sparseRealSize = sparseRealSize;
        c.sparseMajor = sparseMajor;
        c.sparseMinor = sparseMinor;
        c.sparseMap = sparseMap;
        c.sparseNumBlocks = sparseNumBlocks;
        c.sparseOffsets.addAll(sparseOffsets);
        c.sparseNumBytes.addAll(sparseNumBytes);
        return c;
    }

    /** Splits "LEN KEY=VALUE\n" records; throws IllegalArgumentException when malformed. */
    static List<byte[][]> split(byte[] data) {
        List<byte[][]> records = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            if (data[pos] == 0) {
                break; // some writers pad the block with NULs
            }
            int sp = pos;
            long len = 0;
            while (sp < data.length && data[sp] >= '0' && data[sp] <= '9' && sp - pos < 10) {
                len = len * 10 + (data[sp] - '0');
                sp++;
            }
            if (sp == pos || sp >= data.length || data[sp] != ' ' || len <= sp - pos + 1
                    || pos + len > data.length || data[(int) (pos + len - 1)] != '\n') {
                throw new IllegalArgumentException("malformed PAX record at offset " + pos);
            }
            int end = (int) (pos + len - 1);
            int eq = sp + 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq == end || eq == sp + 1) {
                throw new IllegalArgumentException("malformed PAX record at offset " + pos);
            }
            byte[] key = java.util.Arrays.copyOfRange(data, sp + 1, eq);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end);
            records.add(new byte[][] {key, value});
            pos = end + 1;
        }
        return records;
    }

    /** Applies one record; an empty value unsets a standard key (POSIX). */
    void apply(byte[] keyBytes, byte[] value) {
        // Go refuses NUL in keys and in path values too: no Linux name holds one, and a symlink
        // target with one would be an invalid inode (e2fsck: "Symlink ... is invalid").
        if (indexOfNul(keyBytes) >= 0) {
            throw new IllegalArgumentException("PAX key '" + quote(new String(keyBytes, StandardCharsets.ISO_8859_1))
                    + "' holds a NUL byte");
        }
        String key = utf8(keyBytes);
        boolean empty = value.length == 0;
        if ((key.equals("path") || key.equals("linkpath") || key.equals("GNU.sparse.name")) && indexOfNul(value) >= 0) {
            throw new IllegalArgumentException("PAX " + key + " value holds a NUL byte");
        }
        if (key.startsWith("SCHILY.xattr.")) {
            xattrs.put(key.substring("SCHILY.xattr.".length()), value);
            return;
        }
        if (key.startsWith("LIBARCHIVE.xattr.")) {
            String name = percentDecode(key, key.substring("LIBARCHIVE.xattr.".length()));
            // libarchive writes the value base64 without padding; the JDK decoder accepts that.
            try {
                xattrs.putIfAbsent(name, Base64.getDecoder().decode(ascii(value).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad PAX " + quote(key) + " value (not base64)");
            }
            return;
        }
        switch (key) {
            case "path" -> path = empty ? null : value;
            case "linkpath" -> linkPath = empty ? null : value;
            case "size" -> size = empty ? null : count(key, value);
            case "uid" -> uid = empty ? null : count(key, value);
            case "gid" -> gid = empty ? null : count(key, value);
            case "mtime" -> mtime = empty ? null : time(value);
            case "SCHILY.devmajor" -> devMajor = empty ? null : count(key, value);
            case "SCHILY.devminor" -> devMinor = empty ? null : count(key, value);
            case "SCHILY.acl.access" -> aclAccess = empty ? null : value;
            case "SCHILY.acl.default" -> aclDefault = empty ? null : value;
            case "GNU.sparse.name" -> sparseName = empty ? null : value;
            case "GNU.sparse.realsize", "GNU.sparse.size" -> sparseRealSize = empty ? null : count(key, value);
            case "GNU.sparse.major" -> sparseMajor = empty ? null : count(key, value);
            case "GNU.sparse.minor" -> sparseMinor = empty ? null : count(key, value);
            case "GNU.sparse.map" -> sparseMap = empty ? null : ascii(value);
            case "GNU.sparse.numblocks" -> sparseNumBlocks = empty ? null : count(key, value);
            case "GNU.sparse.offset" -> sparseOffsets.add(count(key, value));
            case "GNU.sparse.numbytes" -> sparseNumBytes.add(count(key, value));
            default -> {
                // atime, ctime, uname, gname, comment, hdrcharset, charset ...:
                // nothing Kiln keeps (hdrcharset=BINARY only says values are raw bytes, as we keep them).
            }
        }
    }

    boolean isSparse() {
        return sparseMajor != null || sparseMap != null || !sparseOffsets.isEmpty();
    }

    /**
     * A non-negative decimal (sizes, ids, device numbers, sparse offsets), digits only: GNU tar
     * and Go refuse a sign or spaces too.
     */
    static long count(String key, byte[] value) {
        String s = ascii(value);
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad PAX " + key + " value '" + quote(s) + "'");
        }
        return Long.parseLong(s);
    }

    /** Keys and values as messages show them: one line, cut (a hostile one may be megabytes long). */
    static String quote(String s) {
        return Display.name(s.getBytes(StandardCharsets.ISO_8859_1), 40);
    }

    /** "SECONDS[.FRACTION]", possibly negative, to {seconds, nanos} with 0 <= nanos < 1e9. */
    static long[] time(byte[] value) {
        String s = ascii(value).trim();
        try {
            boolean negative = s.startsWith("-");
            String digits = negative ? s.substring(1) : s;
            int dot = digits.indexOf('.');
            String whole = dot < 0 ? digits : digits.substring(0, dot);
            String frac = dot < 0 ? "" : digits.substring(dot + 1);
            if (!(whole + frac).chars().allMatch(c -> c >= '0' && c <= '9') || whole.isEmpty() && frac.isEmpty()) {
                throw new NumberFormatException();
            }
            long sec = whole.isEmpty() ? 0 : Long.parseLong(whole);
            String nine = (frac + "000000000").substring(0, 9);
            long nanos = Long.parseLong(nine);
            if (negative) {
                sec = -sec;
                if (nanos != 0) {
                    sec -= 1;
                    nanos = 1_000_000_000L - nanos;
                }
            }
            return new long[] {sec, nanos};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad PAX mtime value '" + quote(s) + "'");
        }
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Keys name xattrs, which Kiln keeps by name: one that is not UTF-8 would be stored changed. */
    private static String utf8(byte[] key) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(key)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("PAX key '" + quote(new String(key, StandardCharsets.ISO_8859_1))
                    + "' is not UTF-8");
        }
    }

    private static String ascii(byte[] value) {
        return new String(value, StandardCharsets.ISO_8859_1);
    }

    private static String percentDecode(String key, String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad PAX key '" + quote(key) + "' (bad %-escape)");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
