package dev.kiln.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Test helper: edits structures of an image in place, recomputing their metadata_csum
 * checksums where asked, so a test can plant exactly one inconsistency and see the reader
 * name it (rather than trip over the checksum first).
 */
final class Tamper {
    final Path image;

    Tamper(Path image) {
        this.image = image;
    }

    SuperblockView superblock() throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ImageChannel in = new ImageChannel(ch, "tamper");
            return SuperblockView.parse(in.read(SuperblockView.OFFSET, SuperblockView.SIZE), "tamper", ch.size(), false);
        }
    }

    /** Byte offset of an inode in the image. */
    long inodeOffset(long ino) throws IOException {
        SuperblockView sb = superblock();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ImageChannel in = new ImageChannel(ch, "tamper");
            in.setGeometry(sb.blockSize(), sb.blocksCount());
            GroupTable.Group g = new GroupTable(in, sb, false).group((ino - 1) / sb.inodesPerGroup());
            return g.inodeTable() * sb.blockSize() + (ino - 1) % sb.inodesPerGroup() * sb.inodeSize();
        }
    }

    /** The first physical block of inode {@code ino}'s data (directory block 0, a file's first block). */
    long firstBlock(long ino) throws IOException {
        SuperblockView sb = superblock();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ImageChannel in = new ImageChannel(ch, "tamper");
            in.setGeometry(sb.blockSize(), sb.blocksCount());
            InodeView inode = new InodeTable(in, sb, new GroupTable(in, sb, false), false).read(ino, "tamper");
            return new BlockMapper(in, sb, false).map(inode, 1, "tamper", null).physical(0);
        }
    }

    ByteBuffer read(long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, offset);
            return b.clear();
        }
    }

    void write(long offset, ByteBuffer data) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(data.clear(), offset);
        }
    }

    /** Edits the superblock and fixes its checksum. */
    void superblock(Consumer<ByteBuffer> edit) throws IOException {
        ByteBuffer b = read(SuperblockView.OFFSET, SuperblockView.SIZE);
        edit.accept(b);
        b.putInt(0x3FC, Crc32c.update(~0, b.array(), 0, 0x3FC));
        write(SuperblockView.OFFSET, b);
    }

    /** Edits an inode and, when {@code fix}, recomputes its checksum. */
    void inode(long ino, boolean fix, Consumer<ByteBuffer> edit) throws IOException {
        SuperblockView sb = superblock();
        long offset = inodeOffset(ino);
        ByteBuffer b = read(offset, sb.inodeSize());
        edit.accept(b);
        if (fix) {
            b.putShort(Inode.CHECKSUM_LO, (short) 0).putShort(Inode.CHECKSUM_HI, (short) 0);
            int crc = Crc32c.updateInt(Crc32c.updateInt(sb.csumSeed(), (int) ino), b.getInt(0x64));
            crc = Crc32c.update(crc, b.array());
            b.putShort(Inode.CHECKSUM_LO, (short) crc).putShort(Inode.CHECKSUM_HI, (short) (crc >>> 16));
        }
        write(offset, b);
    }

    /** Edits a directory leaf block of inode {@code dirIno} and fixes its checksum tail. */
    void directoryBlock(long block, long dirIno, Consumer<ByteBuffer> edit) throws IOException {
        SuperblockView sb = superblock();
        int bs = sb.blockSize();
        ByteBuffer b = read(block * bs, bs);
        edit.accept(b);
        int generation = read(inodeOffset(dirIno), sb.inodeSize()).getInt(0x64);
        int seed = Crc32c.updateInt(Crc32c.updateInt(sb.csumSeed(), (int) dirIno), generation);
        b.putInt(bs - 4, Crc32c.update(seed, b.array(), 0, bs - 12));
        write(block * bs, b);
    }

    /** Offset of the first directory entry named {@code name} in a block. */
    static int direntOffset(ByteBuffer block, String name) {
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int pos = 0; pos + 8 <= block.capacity(); ) {
            int rec = block.getShort(pos + 4) & 0xFFFF;
            int len = block.get(pos + 6) & 0xFF;
            if (len == n.length && java.util.Arrays.equals(block.array(), pos + 8, pos + 8 + len, n, 0, len)) {
                return pos;
            }
            if (rec < 8) {
                break;
            }
            pos += rec;
        }
        throw new AssertionError("no entry " + name);
    }
}
