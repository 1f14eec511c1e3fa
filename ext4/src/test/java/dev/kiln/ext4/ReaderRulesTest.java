package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.attrs;
import static dev.kiln.ext4.ImageCheck.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One planted inconsistency per test, each ending in an {@link Ext4Exception} that starts with
 * the image, names the path and inode, and says what is wrong. Checksums are recomputed after
 * each edit (unless the test is about a checksum), so the structural check itself is reached.
 */
class ReaderRulesTest {
    /** Inodes of the image {@link #image()} builds, in the writer's arrival order. */
    static final long DIR_A = 12;
    static final long FILE = 13;
    static final long SUB = 14;
    static final long BIG = 15;
    static final long SLOW = 16;
    static final long OTHER = 17;
    static final long XBLOCK = 18;

    @TempDir
    Path tmp;
    Path img;
    Tamper tamper;

    @BeforeEach
    void image() throws IOException {
        img = tmp.resolve("img");
        ImageCheck.build(img, ImageCheck.options(), ImageCheck.items(
                ImageCheck.dir("a", attrs(0755)),
                ImageCheck.file("a/file", new Attributes(0644, 0, 0, 1, 0, Map.of("user.k", b("v"))), b("hello")),
                ImageCheck.dir("a/sub", attrs(0755)),
                ImageCheck.file("big", attrs(0644), ReaderRoundTripTest.striped()),
                ImageCheck.symlink("slow", "x".repeat(100)),
                ImageCheck.file("other", attrs(0644), b("other data")),
                ImageCheck.file("xblock", new Attributes(0644, 0, 0, 1, 0, Map.of("user.big", new byte[500])), b("x"))));
        tamper = new Tamper(img);
        assertThat(ReadBack.describe(img)).hasSize(8);
    }

    private void assertFails(String message) {
        assertThatThrownBy(() -> ReadBack.describe(img)).isInstanceOf(Ext4Exception.class).hasMessage(message);
    }

    private void assertFailsWith(String start, String... parts) {
        var failure = assertThatThrownBy(() -> ReadBack.describe(img)).isInstanceOf(Ext4Exception.class)
                .hasMessageStartingWith(start);
        for (String part : parts) {
            failure.hasMessageContaining(part);
        }
    }

    private long blocks() throws IOException {
        return tamper.superblock().blocksCount();
    }

    @Test
    void somethingElseIsNotAFilesystem() throws IOException {
        Files.write(img, new byte[8192]);
        assertFails("img: superblock: bad magic 0x0 (not an ext2/3/4 filesystem)");
        Files.write(img, new byte[100]);
        assertFails("img: 100 bytes is too small for an ext2/3/4 filesystem");
    }

    @Test
    void unknownIncompatibleFeaturesAreNamed() throws IOException {
        tamper.superblock(b -> b.putInt(0x60, b.getInt(0x60) | 0x1 | 0x1000 | 0x40000000));
        assertFails("img: superblock: unsupported features: compression, dirdata, 0x40000000");
    }

    @Test
    void aJournalThatNeedsRecoveryIsRefused() throws IOException {
        tamper.superblock(b -> b.putInt(0x60, b.getInt(0x60) | 0x4));
        assertFails("img: superblock: the journal needs recovery (the filesystem was not cleanly unmounted);"
                + " run e2fsck on the image first");
    }

    @Test
    void aTruncatedImageIsRefused() throws IOException {
        long size = Files.size(img);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size / 2);
        }
        assertFails("img: superblock: the filesystem has " + size / 4096 + " blocks of 4096 bytes, more than the image's "
                + size / 2 + " bytes (truncated image?)");
    }

    @Test
    void checksumsAreVerified() throws IOException {
        ByteBuffer sb = tamper.read(1024 + 0x78, 1);
        tamper.write(1024 + 0x78, sb.put(0, (byte) 'X'));
        assertFailsWith("img: superblock: checksum mismatch");
    }

    @Test
    void anInodeChecksumIsVerified() throws IOException {
        tamper.inode(FILE, false, b -> b.putShort(0x02, (short) 1));
        assertFails("img: /a/file (inode 13): inode checksum mismatch");
    }

    @Test
    void aGroupDescriptorChecksumIsVerified() throws IOException {
        ByteBuffer d = tamper.read(4096 + 0x10, 2);
        tamper.write(4096 + 0x10, d.putShort(0, (short) (d.getShort(0) + 1)));
        assertFails("img: group descriptor 0: checksum mismatch (stored 0x"
                + Integer.toHexString(tamper.read(4096 + 0x1E, 2).getShort(0) & 0xFFFF) + ", computed 0x"
                + Integer.toHexString(descriptorCrc()) + ")");
    }

    private int descriptorCrc() throws IOException {
        ByteBuffer d = tamper.read(4096, 64);
        d.putShort(0x1E, (short) 0);
        return Crc32c.update(Crc32c.updateInt(tamper.superblock().csumSeed(), 0), d.array()) & 0xFFFF;
    }

    @Test
    void directoryAndExtentAndXattrBlockChecksumsAreVerified() throws IOException {
        long dirBlock = tamper.firstBlock(DIR_A);
        ByteBuffer one = tamper.read(dirBlock * 4096 + 30, 1);
        tamper.write(dirBlock * 4096 + 30, one.put(0, (byte) (one.get(0) ^ 1)));
        assertFails("img: /a: directory block 0: checksum mismatch");
        tamper.write(dirBlock * 4096 + 30, one.put(0, (byte) (one.get(0) ^ 1)));

        long treeBlock = tamper.read(tamper.inodeOffset(BIG) + 0x28 + 12 + 4, 4).getInt(0);
        tamper.write(treeBlock * 4096 + 100, ByteBuffer.wrap(new byte[] {9}));
        assertFails("img: /big (inode 15): extent tree block " + treeBlock + ": checksum mismatch");
        Files.delete(img);
        image();

        long xattrBlock = tamper.read(tamper.inodeOffset(XBLOCK) + 0x68, 4).getInt(0);
        tamper.write(xattrBlock * 4096 + 4000, ByteBuffer.wrap(new byte[] {9}));
        assertFails("img: /xblock (inode 18): xattr block " + xattrBlock + ": checksum mismatch");
    }

    @Test
    void anExtentOutsideTheFilesystemIsNamed() throws IOException {
        long outside = blocks() + 10;
        tamper.inode(FILE, true, b -> b.putInt(0x28 + 12 + 8, (int) outside));
        assertFails("img: /a/file (inode 13): extent at logical block 0: block " + outside
                + " is outside the filesystem (" + blocks() + " blocks)");
    }

    @Test
    void aTreeBlockOutsideTheFilesystemIsNamed() throws IOException {
        long outside = blocks() + 1;
        tamper.inode(BIG, true, b -> b.putInt(0x28 + 12 + 4, (int) outside));
        assertFails("img: /big (inode 15): extent tree block: block " + outside + " is outside the filesystem ("
                + blocks() + " blocks)");
    }

    @Test
    void aBadExtentHeaderIsNamed() throws IOException {
        tamper.inode(BIG, true, b -> b.putShort(0x28, (short) 0x1234));
        assertFails("img: /big (inode 15): extent header has bad magic 0x1234");
        tamper.inode(BIG, true, b -> b.putShort(0x28, (short) 0xF30A).putShort(0x28 + 6, (short) 6));
        assertFails("img: /big (inode 15): extent tree depth 6 where at most 5 belongs");
    }

    @Test
    void aDirectoryLoopIsRefused() throws IOException {
        tamper.directoryBlock(tamper.firstBlock(DIR_A), DIR_A, b -> b.putInt(Tamper.direntOffset(b, "sub"), 2));
        assertFails("img: /a/sub: directory inode 2 is also / (a directory loop or a hard-linked directory)");
    }

    @Test
    void aHardLinkedDirectoryIsRefused() throws IOException {
        tamper.directoryBlock(tamper.firstBlock(DIR_A), DIR_A, b -> b.putInt(Tamper.direntOffset(b, "file"), (int) SUB));
        assertFails("img: /a/sub: directory inode 14 is also /a/file (a directory loop or a hard-linked directory)");
    }

    @Test
    void entriesNamingImpossibleInodesAreRefused() throws IOException {
        long dirBlock = tamper.firstBlock(DIR_A);
        tamper.directoryBlock(dirBlock, DIR_A, b -> b.putInt(Tamper.direntOffset(b, "file"), 8));
        assertFails("img: /a/file: names reserved inode 8");
        tamper.directoryBlock(dirBlock, DIR_A, b -> b.putInt(Tamper.direntOffset(b, "file"), 0xFFFFFFF0));
        assertFailsWith("img: /a/file (inode 4294967280): inode number outside 1..");
        tamper.directoryBlock(dirBlock, DIR_A, b -> b.putInt(Tamper.direntOffset(b, "file"), 1000));
        assertFails("img: /a/file (inode 1000): not in use (its group's inode table is uninitialized there)");
    }

    @Test
    void badDirectoryEntriesAreNamed() throws IOException {
        tamper.directoryBlock(tamper.firstBlock(DIR_A), DIR_A, b -> b.putShort(Tamper.direntOffset(b, "file") + 4, (short) 7));
        assertFails("img: /a: directory block 0: bad directory entry at offset 24 (rec_len 7, name length 4)");
        tamper.directoryBlock(tamper.firstBlock(DIR_A), DIR_A, b -> {
            int at = Tamper.direntOffset(b, "file");
            b.putShort(at + 4, (short) 16).put(at + 8, (byte) '/');
        });
        assertFails("img: /a: directory block 0: directory entry at offset 24 has a name with a '/'");
    }

    @Test
    void aDirectoryWithAHoleIsRefused() throws IOException {
        tamper.inode(DIR_A, true, b -> b.putInt(0x04, 2 * 4096));
        assertFails("img: /a: directory block 1 of 2 is a hole or uninitialized (directories have no holes)");
    }

    @Test
    void aSharedBlockIsRefused() throws IOException {
        int fileBlock = tamper.read(tamper.inodeOffset(FILE) + 0x28 + 12 + 8, 4).getInt(0);
        tamper.inode(OTHER, true, b -> b.putInt(0x28 + 12 + 8, fileBlock));
        assertFails("img: /other (inode 17): block " + fileBlock + " is also used by another file, directory or extent tree");
    }

    @Test
    void anAbsurdSizeIsRefused() throws IOException {
        tamper.inode(FILE, true, b -> b.putInt(0x6C, 0x7FFFFFFF));
        assertFailsWith("img: /a/file (inode 13): size 9223372032559808517 is more than such a file can hold");
    }

    @Test
    void aSymlinkWithANulByteIsRefused() throws IOException {
        long block = tamper.firstBlock(SLOW);
        tamper.write(block * 4096 + 5, ByteBuffer.wrap(new byte[1]));
        assertFails("img: /slow (inode 16): symlink target contains a NUL byte");
    }

    @Test
    void xattrValuesMustLieInTheirArea() throws IOException {
        tamper.inode(FILE, true, b -> b.putShort(0xA0 + 4 + 2, (short) 0xFFF0));
        assertFails("img: /a/file (inode 13): in-inode xattrs: xattr value of 1 bytes at offset 65520 lies outside its area");
        tamper.inode(FILE, true, b -> b.putShort(0xA0 + 4 + 2, (short) 0).putInt(0xA0 + 4 + 4, 99));
        assertFails("img: /a/file (inode 13): in-inode xattrs: the value of an xattr is stored in inode 99 (ea_inode),"
                + " which is not supported");
    }

    @Test
    void encryptedFilesAreRefused() throws IOException {
        tamper.inode(FILE, true, b -> b.putInt(0x20, b.getInt(0x20) | InodeView.ENCRYPT_FL));
        assertFails("img: /a/file (inode 13): encrypted (fscrypt); its names and data cannot be read");
    }

    @Test
    void uninitializedExtentsReadAsZerosAndHoldNoData() throws IOException {
        tamper.inode(OTHER, true, b -> b.putShort(0x28 + 12 + 4, (short) (32768 + 1)));
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "img").entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                if (ReadBack.show(e.path()).equals("other")) {
                    assertThat(e.content().regions()).isEmpty();
                    assertThat(e.content().open().readAllBytes()).isEqualTo(new byte[10]);
                    return;
                }
            }
        }
        throw new AssertionError("no /other");
    }

    @Test
    void pathsLongerThanTheLimitAreRefused() throws IOException {
        String name = "n".repeat(255);
        List<ImageCheck.Item> items = new ArrayList<>();
        StringBuilder path = new StringBuilder(name);
        for (int depth = 0; depth < 300; depth++) {
            items.add(ImageCheck.dir(path.toString(), attrs(0755)));
            path.append('/').append(name);
        }
        ImageCheck.build(img, ImageCheck.options(), items);
        assertFailsWith("img: /" + name + "/", ": a path inside is longer than 65536 bytes");
    }
}
