package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The jbd2 superblock in the journal's first block (big-endian, unlike the rest of ext4):
 * version 2, empty (s_start 0), one user, no optional features, as mke2fs writes it.
 */
record JournalSuperblock(int blocks, byte[] uuid) {
    static final int SIZE = 1024;

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0x00, 0xC03B3998); // magic
        b.putInt(0x04, 4);          // block type: superblock v2
        b.putInt(0x08, 0);          // header sequence
        b.putInt(0x0C, Geometry.BLOCK_SIZE);
        b.putInt(0x10, blocks);     // s_maxlen
        b.putInt(0x14, 1);          // s_first: first log block
        b.putInt(0x18, 1);          // s_sequence: first commit ID expected
        b.putInt(0x1C, 0);          // s_start: 0 = journal is clean
        b.position(0x30);
        b.put(uuid);
        b.putInt(0x40, 1);          // s_nr_users
        return b.array();
    }
}
