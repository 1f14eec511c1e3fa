package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an inode's extended attributes (the format {@link XattrEncoder} describes) from the
 * in-inode area and the external block (i_file_acl), checking that every entry and value lies
 * inside its area. "system.data" is ext4's own storage for inline data, not an attribute: it is
 * returned apart. POSIX ACLs come back in the VFS format.
 *
 * <p>Attributes are returned sorted as the writer stores them (name index, name length, name),
 * whichever area they were in, so a tree read and written again keeps the same order.
 */
final class XattrParser {
    static final int INDEX_USER = 1;
    static final int INDEX_ACL_ACCESS = 2;
    static final int INDEX_ACL_DEFAULT = 3;
    static final int INDEX_TRUSTED = 4;
    static final int INDEX_SECURITY = 6;
    static final int INDEX_SYSTEM = 7;
    static final int INDEX_RICHACL = 8;
    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    /** The attributes and, for inline-data inodes, the "system.data" value (or null). */
    record Parsed(Map<String, byte[]> xattrs, byte[] systemData) {
    }

    private record Raw(int index, byte[] name, byte[] value) {
    }

    private final ImageChannel image;
    private final SuperblockView sb;
    private final boolean verify;

    XattrParser(ImageChannel image, SuperblockView sb, boolean verify) {
        this.image = image;
        this.sb = sb;
        this.verify = verify;
    }

    Parsed read(InodeView inode, String where) throws IOException {
        List<Raw> all = new ArrayList<>();
        byte[] systemData = null;
        for (Raw r : inline(inode, where)) {
            if (r.index() == INDEX_SYSTEM && Arrays.equals(r.name(), DATA)) {
                systemData = r.value();
            } else {
                all.add(r);
            }
        }
        if (inode.fileAcl() != 0) {
            for (Raw r : block(inode.fileAcl(), where)) {
                if (!(r.index() == INDEX_SYSTEM && Arrays.equals(r.name(), DATA))) {
                    all.add(r);
                }
            }
        }
        all.sort(Comparator.comparingInt(Raw::index).thenComparingInt(r -> r.name().length)
                .thenComparing((x, y) -> Arrays.compareUnsigned(x.name(), y.name())));
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Raw r : all) {
            String name = fullName(r, where);
            byte[] value = r.index() == INDEX_ACL_ACCESS || r.index() == INDEX_ACL_DEFAULT
                    ? DiskAcl.toVfs(where, name, r.value()) : r.value();
            if (out.put(name, value) != null) {
                throw new Ext4Exception(where + ": xattr " + name + " appears twice");
            }
        }
        return new Parsed(out, systemData);
    }

    private List<Raw> inline(InodeView inode, String where) throws Ext4Exception {
        byte[] raw = inode.raw();
        int start = 128 + inode.extraIsize();
        if (raw.length <= 128 || start + 4 > raw.length) {
            return List.of();
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(start) != XattrEncoder.MAGIC) {
            return List.of();
        }
        return entries(b, start + 4, start + 4, raw.length, where + ": in-inode xattrs");
    }

    private List<Raw> block(long number, String where) throws IOException {
        String what = where + ": xattr block " + number;
        byte[] block = image.block(number, what);
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != XattrEncoder.MAGIC) {
            throw new Ext4Exception(what + ": bad magic 0x" + Integer.toHexString(b.getInt(0)));
        }
        if (b.getInt(8) != 1) {
            throw new Ext4Exception(what + ": spans " + Integer.toUnsignedString(b.getInt(8)) + " blocks (must be 1)");
        }
        if (verify && sb.metadataCsum()) {
            int stored = b.getInt(16);
            int crc = Crc32c.updateInt(Crc32c.updateInt(sb.csumSeed(), (int) number), (int) (number >>> 32));
            crc = Crc32c.update(crc, block, 0, 16);
            crc = Crc32c.updateInt(crc, 0);
            crc = Crc32c.update(crc, block, 20, block.length - 20);
            if (crc != stored) {
                throw new Ext4Exception(what + ": checksum mismatch");
            }
        }
        return entries(b, XattrEncoder.BLOCK_HEADER, 0, block.length, what);
    }

    /**
     * Entries from {@code first} up to the zero word, values at {@code valueBase} + e_value_offs;
     * everything must lie before {@code end}, and values after the entries.
     */
    private static List<Raw> entries(ByteBuffer b, int first, int valueBase, int end, String where)
            throws Ext4Exception {
        record Header(int index, byte[] name, int valueOffset, int valueInode, long valueSize) {
        }
        List<Header> headers = new ArrayList<>();
        int pos = first;
        while (true) {
            if (pos + 4 > end) {
                throw new Ext4Exception(where + ": entries run past the end of their area");
            }
            if (b.getInt(pos) == 0) {
                break;
            }
            int nameLength = b.get(pos) & 0xFF;
            int size = XattrEncoder.pad(XattrEncoder.ENTRY_HEADER + nameLength);
            if (pos + size > end) {
                throw new Ext4Exception(where + ": entries run past the end of their area");
            }
            byte[] name = new byte[nameLength];
            b.get(pos + XattrEncoder.ENTRY_HEADER, name);
            headers.add(new Header(b.get(pos + 1) & 0xFF, name, b.getShort(pos + 2) & 0xFFFF, b.getInt(pos + 4),
                    b.getInt(pos + 8) & 0xFFFFFFFFL));
            pos += size;
        }
        int entriesEnd = pos + 4;
        List<Raw> out = new ArrayList<>(headers.size());
        for (Header h : headers) {
            if (h.valueInode() != 0) {
                throw new Ext4Exception(where + ": the value of an xattr is stored in inode "
                        + Integer.toUnsignedString(h.valueInode()) + " (ea_inode), which is not supported");
            }
            long at = (long) valueBase + h.valueOffset();
            if (h.valueSize() > 0 && (at < entriesEnd || at + h.valueSize() > end)) {
                throw new Ext4Exception(where + ": xattr value of " + h.valueSize() + " bytes at offset "
                        + h.valueOffset() + " lies outside its area");
            }
            byte[] value = new byte[(int) h.valueSize()];
            if (value.length > 0) {
                b.get((int) at, value);
            }
            out.add(new Raw(h.index(), h.name(), value));
        }
        return out;
    }

    private static String fullName(Raw r, String where) throws Ext4Exception {
        String prefix = switch (r.index()) {
            case INDEX_USER -> "user.";
            case INDEX_ACL_ACCESS -> "system.posix_acl_access";
            case INDEX_ACL_DEFAULT -> "system.posix_acl_default";
            case INDEX_TRUSTED -> "trusted.";
            case INDEX_SECURITY -> "security.";
            case INDEX_SYSTEM -> "system.";
            case INDEX_RICHACL -> "system.richacl";
            default -> throw new Ext4Exception(where + ": xattr in unknown name index " + r.index());
        };
        boolean whole = !prefix.endsWith(".");
        if (whole != (r.name().length == 0)) {
            throw new Ext4Exception(where + ": xattr " + prefix + " with " + (whole ? "an extra" : "an empty") + " name");
        }
        try {
            return prefix + StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(r.name()));
        } catch (CharacterCodingException e) {
            throw new Ext4Exception(where + ": xattr name in " + prefix + " is not UTF-8", e);
        }
    }
}
