package dev.kiln.tar;

import java.nio.charset.StandardCharsets;

/** How names, values and typeflags from an archive appear in messages. */
final class Display {
    /** Names in messages are cut here: a hostile one may be a megabyte long. */
    private static final int MAX = 1000;

    private Display() {
    }

    /**
     * A name as messages show it: one line (control characters and bytes that are not UTF-8
     * escaped: \n, \x1b, \xff) and at most {@value #MAX} characters, however long or
     * strange the name.
     */
    static String name(byte[] raw) {
        return name(raw, MAX);
    }

    static String name(byte[] raw, int max) {
        StringBuilder out = new StringBuilder(Math.min(raw.length, max) + 8);
        int i = 0;
        while (i < raw.length) {
            if (out.length() >= max) {
                return out.append("...").toString();
            }
            int c = raw[i] & 0xff;
            int n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            String decoded = n > 1 && i + n <= raw.length ? utf8(raw, i, n) : null;
            if (n == 1 && c == '\n') {
                out.append("\\n");
            } else if (n == 1 && (c < 0x20 || c == 0x7f)) {
                out.append(String.format("\\x%02x", c));
            } else if (n == 1) {
                out.append((char) c);
            } else if (decoded != null) {
                out.append(decoded);
                i += n;
                continue;
            } else {
                out.append(String.format("\\x%02x", c));
            }
            i++;
        }
        return out.toString();
    }

    /** The character(s) of one UTF-8 sequence, or null when it is not valid UTF-8. */
    private static String utf8(byte[] raw, int at, int n) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(raw, at, n)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /** A typeflag as messages show it: the character, or \\xNN. */
    static String typeflag(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("\\x%02x", type & 0xff);
    }
}
