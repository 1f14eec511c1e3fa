package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Places extended attributes in the inode body and, when they don't fit, one external block.
 *
 * <p>In-inode region (right after i_extra_isize): magic 0xEA020000, entries, a zero word, free
 * space, then values packed against the region's end; value offsets count from the first entry.
 * External block: a 32-byte header (magic, refcount 1, blocks 1, hash, checksum), entries from
 * offset 32, a zero word, values packed against the block's end; value offsets count from the
 * block start. An entry is e_name_len u8, e_name_index u8, e_value_offs u16, e_value_inum u32
 * (always 0 here: ea_inode is not used), e_value_size u32, e_hash u32, then the name without
 * its namespace prefix, padded to 4. Values are padded to 4 with zeros. Entry hashes are
 * set in the block only; in the inode they are zero, as the kernel writes them.
 *
 * <p>Entries are sorted by (name index, name length, name), the order the kernel's block
 * lookup relies on; the same order is used in the inode for determinism. Attributes go into
 * the inode while they fit, in that order, and the rest into the block.
 */
final class XattrEncoder {
    static final int MAGIC = 0xEA020000;
    static final int ENTRY_HEADER = 16;
    static final int BLOCK_HEADER = 32;

    /** Name prefixes and their on-disk index; whole-name ones (the ACLs) come first. */
    private static final List<Prefix> PREFIXES = List.of(
            new Prefix("system.posix_acl_access", 2, true),
            new Prefix("system.posix_acl_default", 3, true),
            new Prefix("user.", 1, false),
            new Prefix("trusted.", 4, false),
            new Prefix("security.", 6, false),
            new Prefix("system.", 7, false));

    private record Prefix(String text, int index, boolean whole) {
    }

    /** One attribute as stored: name index, name without prefix, value in on-disk form. */
    record Attr(int index, byte[] name, byte[] value) {
        int entrySize() {
            return pad(ENTRY_HEADER + name.length);
        }

        int valueSize() {
            return pad(value.length);
        }
    }

    private XattrEncoder() {
    }

    static int pad(int n) {
        return (n + 3) & ~3;
    }

    /**
     * Splits attributes between the inode body (at most inlineCapacity bytes, starting with the
     * 4-byte magic) and, if needed, one external block.
     *
     * @param inlineCapacity inodeSize - 128 - i_extra_isize
     * @throws Ext4Exception "path: ..." when a name is unsupported, an ACL malformed, or they
     *                       don't fit in the inode plus one block
     */
    static Layout layout(String path, Map<String, byte[]> xattrs, int inlineCapacity, int blockSize)
            throws Ext4Exception {
        List<Attr> attrs = new ArrayList<>(xattrs.size());
        for (Map.Entry<String, byte[]> e : xattrs.entrySet()) {
            attrs.add(toAttr(path, e.getKey(), e.getValue()));
        }
        attrs.sort(Comparator.comparingInt(Attr::index)
                .thenComparingInt(a -> a.name().length)
                .thenComparing((a, b) -> Arrays.compareUnsigned(a.name(), b.name())));

        List<Attr> inline = new ArrayList<>();
        List<Attr> block = new ArrayList<>();
        // magic + terminating zero word
        int inlineUsed = 8;
        int blockUsed = BLOCK_HEADER + 4;
        for (Attr a : attrs) {
            int need = a.entrySize() + a.valueSize();
            if (inlineUsed + need <= inlineCapacity) {
                inline.add(a);
                inlineUsed += need;
            } else {
                block.add(a);
                blockUsed += need;
            }
        }
        if (blockUsed > blockSize) {
            int total = attrs.stream().mapToInt(a -> a.entrySize() + a.valueSize()).sum();
            throw new Ext4LimitException(path + ": extended attributes need " + total
                    + " bytes, more than the inode and one " + blockSize + "-byte block hold", total, -1);
        }
        byte[] inlineBytes = inline.isEmpty() ? null : encodeInline(inline, inlineCapacity);
        return new Layout(inlineBytes, !block.isEmpty(), List.copyOf(block), blockSize);
    }

    private static Attr toAttr(String path, String fullName, byte[] value) throws Ext4Exception {
        for (Prefix p : PREFIXES) {
            if (p.whole() ? fullName.equals(p.text()) : fullName.startsWith(p.text())) {
                byte[] name = p.whole() ? new byte[0]
                        : fullName.substring(p.text().length()).getBytes(StandardCharsets.UTF_8);
                if (!p.whole() && name.length == 0) {
                    throw new Ext4Exception(path + ": xattr \"" + fullName + "\" has an empty name");
                }
                if (name.length > 255) {
                    throw new Ext4LimitException(path + ": xattr name \"" + fullName + "\" is longer than 255 bytes",
                            name.length, 255);
                }
                byte[] stored = p.whole() ? PosixAcl.toDisk(path, fullName, value) : value.clone();
                return new Attr(p.index(), name, stored);
            }
        }
        throw new Ext4Exception(path + ": xattr \"" + fullName
                + "\" is not in a namespace ext4 stores (user., trusted., security., system.)");
    }

    /** The whole in-inode region, inlineCapacity bytes long, values packed against its end. */
    private static byte[] encodeInline(List<Attr> attrs, int capacity) {
        ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC);
        // Offsets are relative to the first entry, which follows the 4-byte magic. Like the
        // kernel, leave in-inode entry hashes zero (e2fsck accepts zero there; only block
        // entries are hashed, for block sharing).
        writeEntries(b, 4, attrs, 4, false);
        return b.array();
    }

    /**
     * Writes entries from {@code start} and values down from the buffer's end; value offsets
     * are stored relative to {@code base}. Entry hashes are filled in; returns them in order.
     */
    private static int[] writeEntries(ByteBuffer b, int start, List<Attr> attrs, int base, boolean hashed) {
        int pos = start;
        int valueEnd = b.capacity();
        int[] hashes = new int[attrs.size()];
        for (int i = 0; i < attrs.size(); i++) {
            Attr a = attrs.get(i);
            int valueOffset = 0;
            if (a.value().length > 0) {
                valueEnd -= a.valueSize();
                valueOffset = valueEnd;
                b.put(valueOffset, a.value());
            }
            int hash = hashed ? entryHash(a.name(), a.value()) : 0;
            hashes[i] = hash;
            b.put(pos, (byte) a.name().length);
            b.put(pos + 1, (byte) a.index());
            b.putShort(pos + 2, (short) (a.value().length > 0 ? valueOffset - base : 0));
            b.putInt(pos + 4, 0); // e_value_inum
            b.putInt(pos + 8, a.value().length);
            b.putInt(pos + 12, hash);
            b.put(pos + ENTRY_HEADER, a.name());
            pos += a.entrySize();
        }
        if (pos + 4 > valueEnd) {
            throw new IllegalStateException("xattr entries overlap their values");
        }
        return hashes; // the zero word after the last entry is already zero
    }

    /** e2fsck's and the kernel's entry hash: the name bytes, then the padded value as LE words. */
    static int entryHash(byte[] name, byte[] value) {
        int hash = 0;
        for (byte c : name) {
            hash = (hash << 5) ^ (hash >>> 27) ^ (c & 0xFF);
        }
        int words = pad(value.length) / 4;
        for (int w = 0; w < words; w++) {
            int word = 0;
            for (int k = 3; k >= 0; k--) {
                int i = w * 4 + k;
                word = (word << 8) | (i < value.length ? value[i] & 0xFF : 0);
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ word;
        }
        return hash;
    }

    /** The block hash the kernel uses to share identical blocks: a fold of the entry hashes. */
    static int blockHash(int[] entryHashes) {
        int hash = 0;
        for (int h : entryHashes) {
            if (h == 0) {
                return 0; // the kernel's rule: such a block is never shared
            }
            hash = (hash << 16) ^ (hash >>> 16) ^ h;
        }
        return hash;
    }

    /**
     * Where the attributes went.
     *
     * @param inline     the in-inode region (magic first, exactly inlineCapacity bytes) to copy
     *                   to inode offset 128 + i_extra_isize; null if nothing is stored there
     * @param needsBlock whether an external block must be allocated (its number goes in
     *                   i_file_acl and it counts in i_blocks)
     * @param blockAttrs the attributes of that block, in order (only for {@link #block})
     * @param blockSize  the filesystem block size
     */
    record Layout(byte[] inline, boolean needsBlock, List<Attr> blockAttrs, int blockSize) {
        /** The external block's bytes with entry hashes, block hash and checksum. */
        byte[] block(long blockNumber, int csumSeed) {
            if (!needsBlock) {
                throw new IllegalStateException("no xattr block needed");
            }
            ByteBuffer b = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, MAGIC);
            b.putInt(4, 1); // h_refcount: this inode only
            b.putInt(8, 1); // h_blocks
            int[] hashes = writeEntries(b, BLOCK_HEADER, blockAttrs, 0, true);
            b.putInt(12, blockHash(hashes));
            // h_checksum (offset 16) is zero while summing: crc32c(seed, le64 block number, block).
            byte[] bytes = b.array();
            int crc = Crc32c.updateInt(Crc32c.updateInt(csumSeed, (int) blockNumber), (int) (blockNumber >>> 32));
            crc = Crc32c.update(crc, bytes);
            b.putInt(16, crc);
            return bytes;
        }
    }
}
