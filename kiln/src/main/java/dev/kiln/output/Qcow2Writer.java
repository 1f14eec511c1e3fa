package dev.kiln.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Converts a finished raw disk image into a qcow2 version 3 file, storing only clusters that
 * hold a non-zero byte (an unallocated qcow2 cluster reads as zeros, so holes and zero blocks
 * cost nothing).
 *
 * <p>Layout, in 64 KiB clusters, all decided before anything is written:
 * <pre>
 *   header | L1 table | refcount table | refcount blocks | L2 tables | data clusters
 * </pre>
 * Every cluster of the file is referenced exactly once, so each refcount is 1 and every L1
 * and L2 entry carries the COPIED flag; {@code qemu-img check} verifies both. The output is
 * a function of the raw bytes alone, so it is as reproducible as the raw image.
 */
public final class Qcow2Writer {
    static final int CLUSTER_BITS = 16;
    static final int CLUSTER_SIZE = 1 << CLUSTER_BITS;
    static final int HEADER_LENGTH = 104;
    /** Refcounts are 16-bit (refcount_order 4), as qemu-img creates them. */
    static final int REFCOUNT_ORDER = 4;
    static final long COPIED = 1L << 63;
    private static final int ENTRIES_PER_TABLE = CLUSTER_SIZE / 8;
    private static final int REFCOUNTS_PER_BLOCK = CLUSTER_SIZE * 8 / (1 << REFCOUNT_ORDER);

    private Qcow2Writer() {
    }

    /** Writes {@code target} (created or truncated) holding the bytes of {@code raw}. */
    public static void convert(Path raw, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(raw, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            convert(in, out);
        }
    }

    static void convert(FileChannel in, FileChannel out) throws IOException {
        long virtualSize = in.size();
        if (virtualSize % 512 != 0) {
            throw new IOException("qcow2: raw image size " + virtualSize + " is not a multiple of 512");
        }
        long guestClusters = ceilDiv(virtualSize, CLUSTER_SIZE);
        BitSet used = nonZeroClusters(in, guestClusters);

        int l1Entries = (int) ceilDiv(guestClusters, ENTRIES_PER_TABLE);
        long l1Clusters = Math.max(1, ceilDiv(l1Entries * 8L, CLUSTER_SIZE));
        long l2Tables = 0;
        for (int i = 0; i < l1Entries; i++) {
            int from = i * ENTRIES_PER_TABLE;
            int next = used.nextSetBit(from);
            if (next >= 0 && next < from + ENTRIES_PER_TABLE) {
                l2Tables++;
            }
        }
        long dataClusters = used.cardinality();
        // The refcount structures count themselves too: grow them until they cover everything.
        long refBlocks = 1;
        long refTableClusters = 1;
        while (true) {
            long total = 1 + l1Clusters + refTableClusters + refBlocks + l2Tables + dataClusters;
            long needBlocks = ceilDiv(total, REFCOUNTS_PER_BLOCK);
            long needTable = ceilDiv(needBlocks * 8, CLUSTER_SIZE);
            if (needBlocks <= refBlocks && needTable <= refTableClusters) {
                break;
            }
            refBlocks = Math.max(refBlocks, needBlocks);
            refTableClusters = Math.max(refTableClusters, needTable);
        }
        long l1Offset = CLUSTER_SIZE;
        long refTableOffset = l1Offset + l1Clusters * CLUSTER_SIZE;
        long refBlocksOffset = refTableOffset + refTableClusters * CLUSTER_SIZE;
        long l2Offset = refBlocksOffset + refBlocks * CLUSTER_SIZE;
        long dataOffset = l2Offset + l2Tables * CLUSTER_SIZE;
        long totalClusters = dataOffset / CLUSTER_SIZE + dataClusters;

        out.truncate(0);
        writeHeader(out, virtualSize, l1Entries, l1Offset, refTableOffset, refTableClusters);
        writeRefcounts(out, refTableOffset, refBlocksOffset, refBlocks, totalClusters);

        // L1, L2 and the data, one L2 table (512 MiB of guest space) at a time.
        ByteBuffer l1 = ByteBuffer.allocate((int) (l1Clusters * CLUSTER_SIZE)).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer l2 = ByteBuffer.allocate(CLUSTER_SIZE).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer cluster = ByteBuffer.allocate(CLUSTER_SIZE);
        long nextL2 = l2Offset;
        long nextData = dataOffset;
        for (int i = 0; i < l1Entries; i++) {
            int from = i * ENTRIES_PER_TABLE;
            int next = used.nextSetBit(from);
            if (next < 0 || next >= from + ENTRIES_PER_TABLE) {
                continue;
            }
            Arrays.fill(l2.array(), (byte) 0);
            for (int c = next; c >= 0 && c < from + ENTRIES_PER_TABLE; c = used.nextSetBit(c + 1)) {
                readCluster(in, c, cluster);
                writeFully(out, cluster, nextData);
                l2.putLong((c - from) * 8, nextData | COPIED);
                nextData += CLUSTER_SIZE;
            }
            l2.clear();
            writeFully(out, l2, nextL2);
            l1.putLong(i * 8, nextL2 | COPIED);
            nextL2 += CLUSTER_SIZE;
        }
        l1.clear();
        writeFully(out, l1, l1Offset);
        if (out.size() < totalClusters * CLUSTER_SIZE) {
            // Only reached when no data cluster follows the metadata (an all-zero image).
            writeFully(out, ByteBuffer.allocate(1), totalClusters * CLUSTER_SIZE - 1);
        }
        out.force(false);
    }

    private static void writeHeader(FileChannel out, long virtualSize, int l1Entries, long l1Offset,
                                    long refTableOffset, long refTableClusters) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(CLUSTER_SIZE).order(ByteOrder.BIG_ENDIAN);
        h.putInt(0, 0x514649fb);             // magic "QFI\xfb"
        h.putInt(4, 3);                      // version
        h.putLong(8, 0);                     // backing_file_offset
        h.putInt(16, 0);                     // backing_file_size
        h.putInt(20, CLUSTER_BITS);
        h.putLong(24, virtualSize);
        h.putInt(32, 0);                     // crypt_method
        h.putInt(36, l1Entries);
        h.putLong(40, l1Offset);
        h.putLong(48, refTableOffset);
        h.putInt(56, (int) refTableClusters);
        h.putInt(60, 0);                     // nb_snapshots
        h.putLong(64, 0);                    // snapshots_offset
        h.putLong(72, 0);                    // incompatible_features
        h.putLong(80, 0);                    // compatible_features
        h.putLong(88, 0);                    // autoclear_features
        h.putInt(96, REFCOUNT_ORDER);
        h.putInt(100, HEADER_LENGTH);
        // Header extension area: just the end marker (type 0, length 0), already zero.
        writeFully(out, h, 0);
    }

    private static void writeRefcounts(FileChannel out, long tableOffset, long blocksOffset, long blocks,
                                       long totalClusters) throws IOException {
        ByteBuffer table = ByteBuffer.allocate(CLUSTER_SIZE).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer block = ByteBuffer.allocate(CLUSTER_SIZE).order(ByteOrder.BIG_ENDIAN);
        long tablePos = tableOffset;
        for (long b = 0; b < blocks; b++) {
            int slot = (int) (b % ENTRIES_PER_TABLE);
            table.putLong(slot * 8, blocksOffset + b * CLUSTER_SIZE);
            if (slot == ENTRIES_PER_TABLE - 1 || b == blocks - 1) {
                table.clear();
                writeFully(out, table, tablePos);
                tablePos += CLUSTER_SIZE;
                Arrays.fill(table.array(), (byte) 0);
            }
            Arrays.fill(block.array(), (byte) 0);
            long first = b * REFCOUNTS_PER_BLOCK;
            for (int i = 0; i < REFCOUNTS_PER_BLOCK && first + i < totalClusters; i++) {
                block.putShort(i * 2, (short) 1);
            }
            block.clear();
            writeFully(out, block, blocksOffset + b * CLUSTER_SIZE);
        }
    }

    /** Which guest clusters hold a non-zero byte. */
    private static BitSet nonZeroClusters(FileChannel in, long guestClusters) throws IOException {
        if (guestClusters > Integer.MAX_VALUE) {
            throw new IOException("qcow2: raw image too large");
        }
        BitSet used = new BitSet((int) guestClusters);
        ByteBuffer cluster = ByteBuffer.allocate(CLUSTER_SIZE);
        byte[] zero = new byte[CLUSTER_SIZE];
        for (int c = 0; c < guestClusters; c++) {
            readCluster(in, c, cluster);
            if (Arrays.mismatch(cluster.array(), zero) >= 0) {
                used.set(c);
            }
        }
        return used;
    }

    /** Reads guest cluster {@code c}, zero-padding past the end of the raw file. */
    private static void readCluster(FileChannel in, long c, ByteBuffer buf) throws IOException {
        buf.clear();
        long pos = c * CLUSTER_SIZE;
        while (buf.hasRemaining()) {
            int n = in.read(buf, pos);
            if (n < 0) {
                Arrays.fill(buf.array(), buf.position(), buf.limit(), (byte) 0);
                break;
            }
            pos += n;
        }
        buf.clear();
    }

    private static void writeFully(FileChannel out, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            pos += out.write(buf, pos);
        }
        buf.clear();
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
