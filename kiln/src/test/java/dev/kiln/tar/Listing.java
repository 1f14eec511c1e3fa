package dev.kiln.tar;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.testing.Tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One line per path describing everything Kiln keeps (type, mode, owner, mtime, size, content
 * hash, link target, device numbers, xattrs), computed either from a real directory (with stat,
 * sha256sum, readlink, getfattr) or from an entry stream, so the two can be compared whole.
 */
public final class Listing {
    /** @param nanos compare mtime nanoseconds; @param xattrs compare xattrs */
    public record Options(boolean nanos, boolean xattrs) {
    }

    private static final String SCAN = """
            cd "$1"
            find . -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
              [ -S "$f" ] && continue
              printf '%s\\0' "$f"
              stat -c '%F|%a|%u|%g|%.9Y|%s|%Hr|%Lr' -- "$f" | tr -d '\\n'; printf '\\0'
              if [ -L "$f" ]; then readlink -n -- "$f"; fi; printf '\\0'
              if [ -f "$f" ] && [ ! -L "$f" ]; then sha256sum < "$f" | cut -c1-64 | tr -d '\\n'; fi; printf '\\0'
              if [ "$2" = 1 ]; then
                getfattr -h -d -m - -e hex -- "$f" 2>/dev/null | grep -v '^#' | grep . | LC_ALL=C sort | tr '\\n' ' ' || true
              fi
              printf '\\0'
            done
            """;

    private Listing() {
    }

    public static Map<String, String> scan(Path dir, Options o) {
        byte[] out = Tools.bash(dir, SCAN, dir.toString(), o.xattrs ? "1" : "0");
        List<byte[]> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                fields.add(java.util.Arrays.copyOfRange(out, start, i));
                start = i + 1;
            }
        }
        Map<String, String> result = new TreeMap<>();
        for (int i = 0; i + 5 <= fields.size(); i += 5) {
            byte[] path = TarReader.normalize(fields.get(i));
            String[] st = ascii(fields.get(i + 1)).split("\\|");
            String type = switch (st[0]) {
                case "regular file", "regular empty file" -> "file";
                case "directory" -> "dir";
                case "symbolic link" -> "symlink";
                case "character special file" -> "char";
                case "block special file" -> "block";
                case "fifo" -> "fifo";
                default -> throw new AssertionError("unexpected file type " + st[0]);
            };
            int mode = Integer.parseInt(st[1], 8);
            String[] mtime = st[4].split("\\.");
            StringBuilder xattrs = new StringBuilder();
            for (String x : ascii(fields.get(i + 4)).trim().split(" ")) {
                if (!x.isEmpty()) {
                    int eq = x.indexOf('=');
                    String value = eq < 0 || x.length() == eq + 1 ? "" : x.substring(eq + 3);
                    xattrs.append(' ').append(eq < 0 ? x : x.substring(0, eq)).append('=').append(value);
                }
            }
            result.put(escape(path), describe(type, mode, Long.parseLong(st[2]), Long.parseLong(st[3]),
                    Long.parseLong(mtime[0]), Integer.parseInt(mtime[1]), type.equals("file") ? Long.parseLong(st[5]) : 0,
                    ascii(fields.get(i + 3)), fields.get(i + 2), Integer.parseInt(st[6]), Integer.parseInt(st[7]),
                    o.xattrs ? xattrs.toString() : "", o));
        }
        return result;
    }

    /** Reads the whole stream; hard links are described as their target (same inode). */
    public static Map<String, String> read(EntryStream entries, Options o) throws IOException {
        Map<String, String> result = new TreeMap<>();
        Map<String, Entry> byPath = new TreeMap<>();
        Map<String, String> hashes = new TreeMap<>();
        Entry e;
        while ((e = entries.next()) != null) {
            String key = escape(e.path());
            Entry described = e;
            String hash = "";
            if (e.type() == EntryType.HARDLINK) {
                described = byPath.get(escape(e.linkTarget()));
                if (described == null) {
                    throw new AssertionError(key + ": hard link to unknown " + escape(e.linkTarget()));
                }
                hash = hashes.get(escape(e.linkTarget()));
            } else if (e.type() == EntryType.FILE) {
                hash = sha256(e.content(), e.size());
            }
            byPath.put(key, described);
            hashes.put(key, hash);
            StringBuilder xattrs = new StringBuilder();
            if (o.xattrs) {
                described.xattrs().forEach((k, v) -> xattrs.append(' ').append(k).append('=')
                        .append(HexFormat.of().formatHex(v)));
            }
            String type = switch (described.type()) {
                case FILE -> "file";
                case DIRECTORY -> "dir";
                case SYMLINK -> "symlink";
                case CHARACTER_DEVICE -> "char";
                case BLOCK_DEVICE -> "block";
                case FIFO -> "fifo";
                default -> throw new AssertionError(described.type());
            };
            result.put(key, describe(type, described.mode(), described.uid(), described.gid(),
                    described.mtimeSeconds(), described.mtimeNanos(), described.size(), hash,
                    described.type() == EntryType.SYMLINK ? described.linkTarget() : new byte[0],
                    described.devMajor(), described.devMinor(), xattrs.toString(), o));
        }
        return result;
    }

    private static String describe(String type, int mode, long uid, long gid, long sec, int nanos, long size,
                                   String hash, byte[] link, int major, int minor, String xattrs, Options o) {
        StringBuilder s = new StringBuilder(type).append(' ').append(Integer.toOctalString(mode))
                .append(' ').append(uid).append(':').append(gid).append(" mtime=").append(sec);
        if (o.nanos) {
            s.append('.').append(String.format("%09d", nanos));
        }
        if (type.equals("file")) {
            s.append(" size=").append(size).append(" sha256=").append(hash);
        }
        if (type.equals("symlink")) {
            s.append(" -> ").append(escape(link));
        }
        if (type.equals("char") || type.equals("block")) {
            s.append(" dev=").append(major).append(',').append(minor);
        }
        return s.append(xattrs).toString();
    }

    static String sha256(InputStream in, long size) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                total += n;
            }
            if (total != size) {
                throw new AssertionError("content has " + total + " bytes, size says " + size);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Printable form of raw path bytes: non-ASCII, control characters and backslash escaped. */
    public static String escape(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                s.append(String.format("\\x%02x", c));
            } else {
                s.append((char) c);
            }
        }
        return s.toString();
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
