package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pins the encoded layout of linear and indexed directory blocks without any tool. */
class DirectoryEncoderTest {
    private static final int BS = 4096;
    private static final int SEED = 0x5eed5eed;
    private static final int[] HASH_SEED = {1, 2, 3, 4};

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int inodeSeed(int ino, int gen) {
        return Crc32c.updateInt(Crc32c.updateInt(SEED, ino), gen);
    }

    private static List<DirEntry> names(int n, int len) {
        List<DirEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String s = String.format("%0" + len + "d", i);
            out.add(new DirEntry(s.getBytes(StandardCharsets.US_ASCII), 100 + i, 1 + i % 7));
        }
        return out;
    }

    @Test
    void sizesArePinned() {
        assertThat(DirectoryEncoder.recLen(1)).isEqualTo(12);
        assertThat(DirectoryEncoder.recLen(4)).isEqualTo(12);
        assertThat(DirectoryEncoder.recLen(5)).isEqualTo(16);
        assertThat(DirectoryEncoder.recLen(255)).isEqualTo(264);
        assertThat(DirectoryEncoder.rootLimit(4096)).isEqualTo(507);
        assertThat(DirectoryEncoder.nodeLimit(4096)).isEqualTo(510);
        assertThat(DirectoryEncoder.rootLimit(1024)).isEqualTo(123);
        assertThat(DirectoryEncoder.encodeRecLen(65536, 65536)).isEqualTo((short) 0xFFFF);
    }

    @Test
    void emptyDirectoryIsDotDotdotAndTail() {
        List<byte[]> blocks = DirectoryEncoder.encode(11, 2, 7, List.of(), BS, SEED, HASH_SEED);
        assertThat(blocks).hasSize(1);
        byte[] b = blocks.get(0);
        ByteBuffer x = le(b);
        assertThat(x.getInt(0)).isEqualTo(11);
        assertThat(x.getShort(4)).isEqualTo((short) 12);
        assertThat(b[6]).isEqualTo((byte) 1);
        assertThat(b[7]).isEqualTo((byte) 2);
        assertThat(b[8]).isEqualTo((byte) '.');
        assertThat(x.getInt(12)).isEqualTo(2);
        assertThat(x.getShort(16)).isEqualTo((short) (BS - 12 - 12));
        assertThat(b[18]).isEqualTo((byte) 2);
        // the checksum tail: a dirent with inode 0, rec_len 12, name_len 0, type 0xDE
        assertThat(x.getInt(BS - 12)).isZero();
        assertThat(x.getShort(BS - 8)).isEqualTo((short) 12);
        assertThat(b[BS - 6]).isZero();
        assertThat(b[BS - 5]).isEqualTo((byte) 0xDE);
        assertThat(x.getInt(BS - 4)).isEqualTo(Crc32c.update(inodeSeed(11, 7), b, 0, BS - 12));
    }

    @Test
    void linearBlockChainsRecLensToTheTail() {
        List<DirEntry> kids = names(100, 20);
        List<byte[]> blocks = DirectoryEncoder.encode(12, 2, 0, kids, BS, SEED, HASH_SEED);
        assertThat(blocks).hasSize(1);
        List<String> seen = walk(blocks.get(0), 0);
        assertThat(seen).hasSize(102).startsWith(".", "..");
        assertThat(seen.subList(2, 102)).containsExactlyElementsOf(kids.stream()
                .map(k -> new String(k.name(), StandardCharsets.US_ASCII)).toList());
    }

    /** Walks rec_len from {@code start} to the tail, returning names; fails on any bad chain. */
    private static List<String> walk(byte[] b, int start) {
        ByteBuffer x = le(b);
        List<String> names = new ArrayList<>();
        int pos = start;
        while (pos < BS - 12) {
            int rec = x.getShort(pos + 4) & 0xFFFF;
            int nameLen = b[pos + 6] & 0xFF;
            assertThat(rec).isGreaterThanOrEqualTo(DirectoryEncoder.recLen(nameLen)).matches(r -> r % 4 == 0);
            names.add(new String(b, pos + 8, nameLen, StandardCharsets.ISO_8859_1));
            pos += rec;
        }
        assertThat(pos).isEqualTo(BS - 12);
        return names;
    }

    @Test
    void htreeRootLeavesAndChecksums() {
        List<DirEntry> kids = names(1000, 30);
        List<byte[]> blocks = DirectoryEncoder.encode(12, 2, 3, kids, BS, SEED, HASH_SEED);
        assertThat(blocks.size()).isGreaterThan(2);
        byte[] root = blocks.get(0);
        ByteBuffer r = le(root);
        assertThat(r.getInt(0)).isEqualTo(12);
        assertThat(r.getShort(4)).isEqualTo((short) 12);
        assertThat(r.getInt(12)).isEqualTo(2);
        assertThat(r.getShort(16)).isEqualTo((short) (BS - 12));
        // dx_root_info
        assertThat(r.getInt(24)).isZero();
        assertThat(root[28]).isEqualTo((byte) 1);
        assertThat(root[29]).isEqualTo((byte) 8);
        assertThat(root[30]).isEqualTo((byte) 0);
        assertThat(root[31]).isEqualTo((byte) 0);
        int limit = r.getShort(32) & 0xFFFF;
        int count = r.getShort(34) & 0xFFFF;
        assertThat(limit).isEqualTo(507);
        assertThat(count).isEqualTo(blocks.size() - 1);
        assertThat(r.getInt(36)).isEqualTo(1);
        // dx_tail after `limit` slots: reserved 0, crc over used slots + reserved + zero
        int tail = 32 + limit * 8;
        assertThat(r.getInt(tail)).isZero();
        int crc = Crc32c.update(inodeSeed(12, 3), root, 0, 32 + count * 8);
        crc = Crc32c.updateInt(Crc32c.updateInt(crc, 0), 0);
        assertThat(r.getInt(tail + 4)).isEqualTo(crc);

        Set<String> all = new HashSet<>();
        for (int i = 0; i < count; i++) {
            long lo = i == 0 ? 0 : Integer.toUnsignedLong(r.getInt(32 + i * 8) & ~1);
            long hi = i + 1 < count ? Integer.toUnsignedLong(r.getInt(32 + (i + 1) * 8) & ~1) : 1L << 32;
            int target = r.getInt(32 + i * 8 + 4);
            byte[] leaf = blocks.get(target);
            assertThat(le(leaf).getInt(BS - 4)).isEqualTo(Crc32c.update(inodeSeed(12, 3), leaf, 0, BS - 12));
            for (String n : walk(leaf, 0)) {
                long h = Integer.toUnsignedLong(DxHash.hash(n.getBytes(StandardCharsets.ISO_8859_1), HASH_SEED));
                assertThat(h).isBetween(lo, hi - 1);
                assertThat(all.add(n)).isTrue();
            }
        }
        assertThat(all).hasSize(1000);
    }

    @Test
    void twoLevelsWhenLeavesExceedTheRootLimit() {
        // 255-byte names: 15 per leaf, so 8,000 names need 534 leaves > 507
        List<DirEntry> kids = names(8000, 255);
        List<byte[]> blocks = DirectoryEncoder.encode(12, 2, 0, kids, BS, SEED, HASH_SEED);
        ByteBuffer r = le(blocks.get(0));
        assertThat(blocks.get(0)[30]).isEqualTo((byte) 1);
        int nodes = r.getShort(34) & 0xFFFF;
        assertThat(nodes).isEqualTo(2);
        ByteBuffer node = le(blocks.get(r.getInt(36)));
        assertThat(node.getInt(0)).isZero();
        assertThat(node.getShort(4)).isEqualTo((short) BS);
        assertThat(node.getShort(8) & 0xFFFF).isEqualTo(510);
        int leaves = 0;
        for (int n = 0; n < nodes; n++) {
            leaves += le(blocks.get(1 + n)).getShort(10) & 0xFFFF;
        }
        assertThat(1 + nodes + leaves).isEqualTo(blocks.size());
    }

    @Test
    void moreLeavesThanTwoLevelsCanIndexIsAnErrorNotACorruptIndex() {
        // 1 KiB blocks keep this small: 3 names of 255 bytes per leaf, a root of 123 nodes of
        // 126 leaves each, so two levels index at most 46,494 such names.
        int blockSize = 1024;
        assertThat(DirectoryEncoder.rootLimit(blockSize)).isEqualTo(123);
        assertThat(DirectoryEncoder.nodeLimit(blockSize)).isEqualTo(126);
        List<byte[]> fits = DirectoryEncoder.encode(12, 2, 0, names(40_000, 255), blockSize, SEED, HASH_SEED);
        assertThat(fits.get(0)[30]).as("indirect levels").isEqualTo((byte) 1);
        assertThatThrownBy(() -> DirectoryEncoder.encode(12, 2, 0, names(60_000, 255), blockSize, SEED, HASH_SEED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("directory of 60000 entries needs a three-level htree (largedir)");
    }

    @Test
    void outputDoesNotDependOnInputOrder() {
        List<DirEntry> kids = names(2000, 12);
        List<DirEntry> shuffled = new ArrayList<>(kids);
        Collections.shuffle(shuffled, new Random(1));
        List<byte[]> a = DirectoryEncoder.encode(12, 2, 0, kids, BS, SEED, HASH_SEED);
        List<byte[]> b = DirectoryEncoder.encode(12, 2, 0, shuffled, BS, SEED, HASH_SEED);
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).isEqualTo(b.get(i));
        }
    }

    @Test
    void invalidEntriesAreBugsOfTheCaller() {
        assertThatThrownBy(() -> DirectoryEncoder.encode(12, 2, 0,
                List.of(new DirEntry("a/b".getBytes(StandardCharsets.US_ASCII), 5, 1)), BS, SEED, HASH_SEED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DirectoryEncoder.encode(12, 2, 0,
                List.of(new DirEntry(new byte[256], 5, 1)), BS, SEED, HASH_SEED))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DirectoryEncoder.encode(12, 2, 0,
                List.of(new DirEntry("..".getBytes(StandardCharsets.US_ASCII), 5, 2)), BS, SEED, HASH_SEED))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
