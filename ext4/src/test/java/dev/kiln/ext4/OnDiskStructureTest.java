package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encoded sizes and field positions of the on-disk types, and the sizing rules mke2fs uses. */
class OnDiskStructureTest {
    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void encodedSizes() {
        ByteBuffer b = le(1024);
        new Inode(0100644, 1, 2, 3, 4, 5, 1, 8, 0, new byte[60], 0, 0, null).encode(b, 12, 0);
        assertThat(b.position()).isEqualTo(Inode.SIZE).isEqualTo(256);
        b = le(1024);
        new GroupDescriptor(1, 2, 3, 4, 5, 6, 0, 7, 8, 9).encode(b, 0, 0);
        assertThat(b.position()).isEqualTo(GroupDescriptor.SIZE).isEqualTo(64);
        Superblock sb = new Superblock(16, 32768, 1, 1, 16, 1, true, new byte[16], "l", new int[4], true,
                new int[17], 0);
        assertThat(sb.encode(0)).hasSize(Superblock.SIZE).hasSize(1024);
        b = le(64);
        new ExtentTree.Header(1, 4, 0).encode(b);
        assertThat(b.position()).isEqualTo(ExtentTree.Header.SIZE).isEqualTo(12);
        new ExtentTree.Entry(0, 1, 1, false).encode(b);
        assertThat(b.position()).isEqualTo(12 + ExtentTree.Entry.SIZE).isEqualTo(24);
        assertThat(new JournalSuperblock(1024, new byte[16]).encode()).hasSize(JournalSuperblock.SIZE);
        assertThat(ExtentTree.PER_BLOCK).isEqualTo(340);
    }

    @Test
    void superblockFieldsAndChecksum() {
        byte[] uuid = new byte[16];
        uuid[0] = 0x42;
        byte[] raw = new Superblock(8192, 65536, 100, 200, 4096, 15, true, uuid, "kiln-rootfs", new int[] {1, 2, 3, 4},
                true, new int[17], (1L << 32) + 5).encode(3);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(0x38) & 0xFFFF).isEqualTo(0xEF53);
        assertThat(b.getShort(0x5A)).isEqualTo((short) 3);
        assertThat(raw[0x68]).isEqualTo((byte) 0x42);
        assertThat(b.getInt(0x30)).isEqualTo(5);
        assertThat(raw[0x274]).isEqualTo((byte) 1); // s_wtime is unsigned; wtime_hi carries the bits past 2^32
        assertThat(b.getInt(0x3FC)).isEqualTo(Crc32c.update(~0, raw, 0, 0x3FC));
    }

    @Test
    void timestampExtraCarriesNanosecondsAndEpochBits() {
        assertThat(Inode.timeExtra(0, 1)).isEqualTo(4);
        assertThat(Inode.timeExtra(4102444800L, 0)).isEqualTo(1);        // 2100: past 2038
        assertThat(Inode.timeExtra(-315619200L, 0)).isEqualTo(0);        // 1960: plain negative seconds
        assertThat(Inode.timeExtra((1L << 33) + 5, 0)).isEqualTo(2);     // 2242
        assertThat(Inode.timeExtra(1, 999_999_999)).isEqualTo(999_999_999 << 2);
    }

    @Test
    void deviceNumbersUseTheNewEncodingWhenTheyDoNotFitAByte() {
        byte[] small = new byte[60];
        MetadataWriter.encodeDevice(small, (1L << 32) | 3);
        assertThat(ByteBuffer.wrap(small).order(ByteOrder.LITTLE_ENDIAN).getInt(0)).isEqualTo(0x0103);
        byte[] big = new byte[60];
        MetadataWriter.encodeDevice(big, (259L << 32) | 300);
        ByteBuffer b = ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isZero();
        assertThat(b.getInt(4)).isEqualTo((300 & 0xFF) | (259 << 8) | ((300 & ~0xFF) << 12));
    }

    @Test
    void sparseSuperGroupsAndMke2fsSizingRules() {
        List<Long> groups = new ArrayList<>();
        for (long g = 0; g < 130; g++) {
            if (Geometry.hasSuper(g)) {
                groups.add(g);
            }
        }
        assertThat(groups).containsExactly(0L, 1L, 3L, 5L, 7L, 9L, 25L, 27L, 49L, 81L, 125L);
        assertThat(Geometry.reservedGdtBlocks(51200)).isEqualTo(24);     // mkfs.ext4 -b 4096 200M
        assertThat(Geometry.reservedGdtBlocks(1L << 30)).isEqualTo(1024); // capped at one block of addresses
        assertThat(Geometry.journalBlocks(51200)).isEqualTo(4096);       // mkfs.ext4 200M: 16 MiB
        assertThat(Geometry.journalBlocks(5 << 20)).isEqualTo(32768);
        assertThat(Geometry.GROWABLE_GDT_REGION).isEqualTo(128);
    }

    @Test
    void allocatorStepsOverBackupRegions() {
        BlockAllocator a = new BlockAllocator(10);
        assertThat(a.next()).isEqualTo(11);
        a.take(32768 - 11);
        assertThat(a.next()).isEqualTo(32768 + 11); // group 1 has a backup
        a.take(32768 - 11);
        assertThat(a.next()).isEqualTo(2 * 32768);  // group 2 has none
        assertThat(a.contiguousAvailable()).isEqualTo(32768);
        assertThatThrownBy(() -> a.take(32769)).isInstanceOf(IllegalStateException.class);
        long table = a.takeContiguous(32768 + 5);
        assertThat(table).isEqualTo(3 * 32768 + 11); // too big for group 2's run: moved past group 3's region
    }

    @Test
    void extentsMergeAndTreesCountTheirBlocks() throws Exception {
        ExtentList l = new ExtentList();
        for (long i = 0; i < 40000; i++) {
            l.add(i, 1000 + i);
        }
        l.add(50000, 60000);
        long[] packed = l.toArray();
        assertThat(ExtentList.count(packed)).isEqualTo(3); // 32768 limit splits the run
        assertThat(ExtentList.length(packed, 0)).isEqualTo(32768);
        assertThat(ExtentTree.treeBlocks(4)).isZero();
        assertThat(ExtentTree.treeBlocks(5)).isEqualTo(1);
        assertThat(ExtentTree.treeBlocks(341 * 4)).isEqualTo(5 + 1);
        List<byte[]> written = new ArrayList<>();
        ExtentList many = new ExtentList();
        for (int i = 0; i < 1400; i++) {
            many.add(2L * i, 5000 + 2L * i);
        }
        ExtentTree.Built t = ExtentTree.build(many.toArray(), 12, 0, 0, blk -> {
            written.add(blk);
            return 100 + written.size();
        });
        assertThat(t.treeBlocks()).isEqualTo(written.size()).isEqualTo(5 + 1);
        ByteBuffer root = ByteBuffer.wrap(t.iBlock()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(root.getShort(6)).isEqualTo((short) 2); // depth
    }

    @Test
    void fitLayoutConvergesWithHeadroomAndWholeMegabytes() {
        Layout l = Layout.fit(100_000, 129, 5000, 0, true, 0.25, 16384, 1L << 28);
        assertThat(l.blocks % 256).isZero();
        assertThat(l.end).isLessThanOrEqualTo(l.blocks);
        assertThat(l.blocks - l.end).isGreaterThanOrEqualTo(16384);
        assertThat((long) l.inodesPerGroup * l.groups).isGreaterThanOrEqualTo(5000);
        assertThat(l.reservedGdt).isEqualTo(128 - l.gdtBlocks);
    }
}
