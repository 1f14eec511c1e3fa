package dev.kiln.tar;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Converts the text ACLs that star, bsdtar and GNU tar --acls store in SCHILY.acl.access /
 * SCHILY.acl.default ("user::rw-,user:bob:r--:1000,group::r--,mask::r--,other::r--") into the
 * Linux VFS binary form of system.posix_acl_* xattrs, which is what {@code Entry} carries.
 */
final class AclText {
    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final long UNDEFINED_ID = 0xffffffffL;

    private record Ace(int tag, int perm, long id) {
    }

    private AclText() {
    }

    /** Throws IllegalArgumentException (message for the user) when the text cannot be converted. */
    static byte[] toXattr(byte[] text) {
        List<Ace> aces = new ArrayList<>();
        for (String raw : new String(text, StandardCharsets.UTF_8).split("[,\n]")) {
            String e = raw.trim();
            if (e.isEmpty() || e.startsWith("#")) {
                continue;
            }
            if (e.startsWith("default:")) {
                e = e.substring("default:".length());
            }
            String[] f = e.split(":", -1);
            if (f.length < 3) {
                throw new IllegalArgumentException("bad ACL entry '" + quote(e) + "'");
            }
            String qualifier = f[1];
            int perm = perm(f[2], e);
            int tag;
            switch (f[0]) {
                case "user", "u" -> tag = qualifier.isEmpty() ? USER_OBJ : USER;
                case "group", "g" -> tag = qualifier.isEmpty() ? GROUP_OBJ : GROUP;
                case "mask", "m" -> tag = MASK;
                case "other", "o" -> tag = OTHER;
                default -> throw new IllegalArgumentException("bad ACL entry '" + quote(e) + "'");
            }
            long id = UNDEFINED_ID;
            if (tag == USER || tag == GROUP) {
                // star/bsdtar append the numeric id as a fourth field; otherwise the qualifier must be one.
                String num = f.length >= 4 && !f[3].isEmpty() ? f[3] : qualifier;
                if (!num.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    throw new IllegalArgumentException("ACL entry '" + quote(e) + "' names a user or group without"
                            + " a numeric id (archive it with --xattrs --xattrs-include='*' to keep the raw ACL)");
                }
                // The binary form holds 32 bits, and all ones means "no id": a larger number
                // must not wrap around to another user (4294967296 would become root).
                if (num.length() > 10 || Long.parseLong(num) >= UNDEFINED_ID) {
                    throw new IllegalArgumentException("ACL entry '" + quote(e) + "': id " + num
                            + " is out of range (at most " + (UNDEFINED_ID - 1) + ")");
                }
                id = Long.parseLong(num);
            }
            aces.add(new Ace(tag, perm, id));
        }
        boolean named = aces.stream().anyMatch(a -> a.tag == USER || a.tag == GROUP);
        if (named && aces.stream().noneMatch(a -> a.tag == MASK)) {
            // The kernel rejects named entries without a mask; setfacl would compute this one.
            int mask = 0;
            for (Ace a : aces) {
                if (a.tag == GROUP_OBJ || a.tag == USER || a.tag == GROUP) {
                    mask |= a.perm;
                }
            }
            aces.add(new Ace(MASK, mask, UNDEFINED_ID));
        }
        aces.sort(Comparator.comparingInt(Ace::tag).thenComparingLong(Ace::id));
        ByteBuffer out = ByteBuffer.allocate(4 + 8 * aces.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(2);
        for (Ace a : aces) {
            out.putShort((short) a.tag).putShort((short) a.perm).putInt((int) a.id);
        }
        return out.array();
    }

    /** The MASK entry's permission bits in a VFS ACL made by {@link #toXattr}, or -1 without one. */
    static int maskPerm(byte[] xattr) {
        ByteBuffer b = ByteBuffer.wrap(xattr).order(ByteOrder.LITTLE_ENDIAN);
        for (int off = 4; off + 8 <= xattr.length; off += 8) {
            if (b.getShort(off) == MASK) {
                return b.getShort(off + 2) & 7;
            }
        }
        return -1;
    }

    private static String quote(String entry) {
        return Display.name(entry.getBytes(StandardCharsets.UTF_8), 100);
    }

    private static int perm(String s, String entry) {
        int p = 0;
        for (char c : s.toCharArray()) {
            switch (c) {
                case 'r' -> p |= 4;
                case 'w' -> p |= 2;
                case 'x' -> p |= 1;
                case '-' -> {
                }
                default -> throw new IllegalArgumentException("bad ACL permissions in '" + quote(entry) + "'");
            }
        }
        return p;
    }
}
