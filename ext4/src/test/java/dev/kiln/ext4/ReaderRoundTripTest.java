package dev.kiln.ext4;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.b;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writer, reader, writer: the reader gives back what the writer was given, in the order it was
 * given, and writing that again reproduces the image byte for byte.
 */
class ReaderRoundTripTest {
    static final long T = 1_700_000_000L;

    @TempDir
    Path tmp;

    static Attributes attrs(int perm, long uid, long gid, long mtime, int nanos, Map<String, byte[]> xattrs) {
        return new Attributes(perm, uid, gid, mtime, nanos, xattrs);
    }

    /** A POSIX ACL in the VFS format, as the kernel returns it (undefined ids are -1). */
    static byte[] acl(int... tagPermId) {
        ByteBuffer b = ByteBuffer.allocate(4 + tagPermId.length / 3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(PosixAcl.VFS_VERSION);
        for (int i = 0; i < tagPermId.length; i += 3) {
            b.putShort((short) tagPermId[i]).putShort((short) tagPermId[i + 1]).putInt(tagPermId[i + 2]);
        }
        return b.array();
    }

    /** 40 blocks, every other one zero, then 123 bytes: 21 extents, more than fit in the inode. */
    static byte[] striped() {
        byte[] data = new byte[40 * 4096 + 123];
        for (int blk = 0; blk < 40; blk += 2) {
            java.util.Arrays.fill(data, blk * 4096, blk * 4096 + 4096, (byte) (blk + 1));
        }
        data[data.length - 1] = 7;
        return data;
    }

    /**
     * Calls in the reader's order: root first, then a depth-first walk with names sorted, each
     * directory before its entries, hard links where the walk meets them, xattrs sorted as ext4
     * stores them (name index, name length, name).
     */
    static List<ImageCheck.Spec> canonicalTree() {
        Map<String, byte[]> fileXattrs = new LinkedHashMap<>();
        fileXattrs.put("user.b", b("1"));
        fileXattrs.put("user.aa", new byte[] {0, (byte) 0xFF});
        fileXattrs.put("system.posix_acl_access", acl(PosixAcl.USER_OBJ, 6, -1, PosixAcl.USER, 4, 1000,
                PosixAcl.GROUP_OBJ, 4, -1, PosixAcl.MASK, 4, -1, PosixAcl.OTHER, 0, -1));
        fileXattrs.put("trusted.t", b("t"));
        fileXattrs.put("security.capability", HexFormat.of().parseHex("0100000200200000000000000000000000000000"));
        Map<String, byte[]> big = new LinkedHashMap<>();
        big.put("user.big", new byte[3000]); // spills into an external xattr block
        big.put("user.small", b("s"));
        List<ImageCheck.Spec> specs = new ArrayList<>();
        specs.add(ImageCheck.dir("", attrs(0755, 0, 0, T, 5, Map.of())));
        specs.add(ImageCheck.dir("a", attrs(0750, 1000, 100_000, T + 1, 123_456_789, Map.of())));
        specs.add(ImageCheck.file("a/big", attrs(0644, 0, 0, T, 0, big), striped()));
        specs.add(ImageCheck.file("a/file", attrs(04755, 70_000, 80_000, T, 1, fileXattrs), b("hello\n")));
        specs.add(ImageCheck.hardLink("a/hard", "a/file"));
        specs.add(ImageCheck.dir("b", attrs(01777, 0, 0, T, 0, Map.of())));
        specs.add(special("b/blk", SpecialType.BLOCK_DEVICE, 259, 70_000));
        specs.add(special("b/chr", SpecialType.CHARACTER_DEVICE, 1, 3));
        specs.add(special("b/fifo", SpecialType.FIFO, 0, 0));
        specs.add(special("b/sock", SpecialType.SOCKET, 0, 0));
        specs.add(ImageCheck.file("empty", attrs(0600, 0, 0, T, 0, Map.of()), new byte[0]));
        specs.add(new ImageCheck.Spec('l', "fast", attrs(0777, 5, 6, T, 0, Map.of()), null, "a/file", 0, 0));
        specs.add(ImageCheck.file("pre1970", attrs(0644, 0, 0, -1_000_000_000L, 999_999_999, Map.of()), b("old")));
        specs.add(new ImageCheck.Spec('l', "slow", attrs(0777, 0, 0, T, 0, Map.of()), null, "s".repeat(300), 0, 0));
        specs.add(ImageCheck.file("y2106", attrs(0644, 0, 0, 5_000_000_000L, 42, Map.of()), b("future")));
        specs.add(ImageCheck.dir("z", attrs(0755, 0, 0, T, 0, Map.of())));
        specs.add(ImageCheck.hardLink("z/again", "a/file"));
        return specs;
    }

    static ImageCheck.Spec special(String path, SpecialType type, int major, int minor) {
        ImageCheck.Spec s = ImageCheck.special(path, type, major, minor);
        return new ImageCheck.Spec(s.type(), path, attrs(0640, 3, 4, T, 77, Map.of()), null, null, major, minor);
    }

    /** How {@link ReadBack#describe(Ext4Entry)} must describe a spec's entry. */
    static String expected(ImageCheck.Spec s) throws Exception {
        if (s.type() == 'h') {
            return "HARDLINK /" + s.path() + " => /" + s.target();
        }
        Ext4Entry.Type type = switch (s.type()) {
            case 'd' -> Ext4Entry.Type.DIRECTORY;
            case 'f' -> Ext4Entry.Type.FILE;
            case 'l' -> Ext4Entry.Type.SYMLINK;
            case 'c' -> Ext4Entry.Type.CHARACTER_DEVICE;
            case 'b' -> Ext4Entry.Type.BLOCK_DEVICE;
            case 'p' -> Ext4Entry.Type.FIFO;
            default -> Ext4Entry.Type.SOCKET;
        };
        Attributes a = s.attrs();
        FileContent content = s.type() == 'f' ? FileContent.inline(s.content()) : null;
        return ReadBack.describe(new Ext4Entry(b(s.path()), type, a.permissions(), a.uid(), a.gid(), a.mtimeSeconds(),
                a.mtimeNanos(), a.xattrs(), s.target() == null ? null : b(s.target()), s.major(), s.minor(),
                s.type() == 'f' ? s.content().length : 0, 0, content));
    }

    @Test
    void theReaderGivesBackTheWritersCallsInOrder() throws Exception {
        Path image = tmp.resolve("a.img");
        List<ImageCheck.Spec> specs = canonicalTree();
        ImageCheck.build(image, ImageCheck.options(), new ArrayList<ImageCheck.Item>(specs));
        List<String> expected = new ArrayList<>();
        for (ImageCheck.Spec s : specs) {
            expected.add(expected(s));
        }
        assertThat(ReadBack.describe(image)).containsExactlyElementsOf(expected);
    }

    @Test
    void writingWhatWasReadGivesTheSameBytes() throws Exception {
        Path a = tmp.resolve("a.img");
        Path b = tmp.resolve("b.img");
        ImageCheck.build(a, ImageCheck.options(), new ArrayList<ImageCheck.Item>(canonicalTree()));
        ReadBack.rewrite(a, b, ImageCheck.options());
        assertThat(ReadBack.sha256(b)).isEqualTo(ReadBack.sha256(a));
    }

    /**
     * Calls no reader could reproduce (implicit parents, replaced files and directories, the
     * root's attributes last, xattrs unsorted, a link named before its file in tree order):
     * the first rewrite keeps the tree, and from then on the image no longer changes.
     */
    @Test
    void anyImageIsStableAfterOneRewrite() throws Exception {
        Map<String, byte[]> unsorted = new LinkedHashMap<>();
        unsorted.put("security.selinux", b("system_u:object_r:bin_t:s0\0"));
        unsorted.put("user.z", b("z"));
        unsorted.put("user.a", b("a"));
        List<ImageCheck.Item> items = ImageCheck.items(
                ImageCheck.file("z/late/file", ImageCheck.attrs(0644), b("late")),
                ImageCheck.file("m/x", ImageCheck.attrs(0644), b("first version")),
                ImageCheck.file("m/x", attrs(0600, 1, 1, T, 9, unsorted), b("second version, longer")),
                ImageCheck.file("m/y", ImageCheck.attrs(0644), striped()),
                ImageCheck.hardLink("0link", "m/y"),
                ImageCheck.dir("d", ImageCheck.attrs(0700)),
                ImageCheck.file("d/inside", ImageCheck.attrs(0644), b("gone")),
                ImageCheck.file("d", ImageCheck.attrs(0644), b("d is a file now")),
                ImageCheck.dir("", attrs(0711, 0, 0, T + 5, 0, Map.of())));
        Path a = tmp.resolve("a.img");
        Path b = tmp.resolve("b.img");
        Path c = tmp.resolve("c.img");
        ImageCheck.build(a, ImageCheck.options(), items);
        ReadBack.rewrite(a, b, ImageCheck.options());
        ReadBack.rewrite(b, c, ImageCheck.options());
        assertThat(ReadBack.tree(b)).isEqualTo(ReadBack.tree(a));
        assertThat(ReadBack.sha256(c)).isEqualTo(ReadBack.sha256(b));
        assertThat(ReadBack.sha256(b)).isNotEqualTo(ReadBack.sha256(a));
        assertThat(ReadBack.tree(a)).containsEntry("/d", "FILE 644 0:0 mtime=1700000000.000000000 size=15 sha256="
                + ReadBack.sha256(new ByteArrayInputStream(b("d is a file now")))).doesNotContainKey("/d/inside");
        assertThat(ReadBack.describe(b)).contains("FILE /0link 644 0:0 mtime=1700000000.000000000 size=163963 sha256="
                + ReadBack.sha256(new ByteArrayInputStream(striped())), "HARDLINK /m/y => /0link");
        ImageCheck.assumeTools();
        ImageCheck.assertClean(b);
    }

    @Test
    void holesAreRegionsAndReadAsZeros() throws Exception {
        Path image = tmp.resolve("sparse.img");
        byte[] data = striped();
        ImageCheck.build(image, ImageCheck.options(), ImageCheck.items(
                ImageCheck.file("striped", ImageCheck.attrs(0644), data),
                ImageCheck.file("allzero", ImageCheck.attrs(0644), 10 << 20, new ByteArrayInputStream(new byte[10 << 20])),
                ImageCheck.file("tail", ImageCheck.attrs(0644), 3 << 20, tail(3 << 20))));
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "sparse.img").entries();
            Map<String, FileContent> files = new LinkedHashMap<>();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                if (e.type() == Ext4Entry.Type.FILE) {
                    files.put(ReadBack.show(e.path()), e.content());
                }
            }
            FileContent striped = files.get("striped");
            assertThat(striped.regions()).hasSize(21).startsWith(new DataRegion(0, 4096), new DataRegion(8192, 4096))
                    .endsWith(new DataRegion(38 * 4096, 4096), new DataRegion(40 * 4096, 123));
            assertThat(striped.open().readAllBytes()).isEqualTo(data);
            byte[] packed = striped.openRegions().readAllBytes();
            assertThat(packed).hasSize(20 * 4096 + 123);
            assertThat(packed[4096]).isEqualTo((byte) 3);
            assertThat(files.get("allzero").regions()).isEmpty();
            assertThat(files.get("allzero").size()).isEqualTo(10 << 20);
            assertThat(files.get("allzero").open().readAllBytes()).hasSize(10 << 20).containsOnly(0);
            assertThat(files.get("tail").regions()).containsExactly(new DataRegion((3 << 20) - 4096, 4096));
            assertThat(files.get("tail").openRegions().readAllBytes()).endsWith(b("end"));
            try (InputStream in = files.get("tail").open()) {
                assertThat(in.skip((3 << 20) - 3)).isEqualTo((3 << 20) - 3);
                assertThat(in.readAllBytes()).isEqualTo(b("end"));
            }
        }
    }

    @Test
    void extentTreesTwoLevelsDeepAreRead() throws Exception {
        byte[] data = new byte[3000 * 4096]; // every other block written: 1,500 extents need depth 2
        for (int blk = 0; blk < 3000; blk += 2) {
            data[blk * 4096] = (byte) (blk % 251 + 1);
        }
        Path a = tmp.resolve("deep.img");
        Path b = tmp.resolve("deep2.img");
        ImageCheck.build(a, ImageCheck.options(), ImageCheck.items(
                ImageCheck.dir("", attrs(0755, 0, 0, T, 0, Map.of())),
                ImageCheck.file("deep", attrs(0644, 0, 0, T, 0, Map.of()), data)));
        assertThat(new Tamper(a).read(new Tamper(a).inodeOffset(12) + 0x28 + 6, 2).getShort(0)).isEqualTo((short) 2);
        try (FileChannel ch = FileChannel.open(a, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "deep.img").entries();
            entries.next();
            FileContent deep = entries.next().content();
            assertThat(deep.regions()).hasSize(1500);
            assertThat(deep.open().readAllBytes()).isEqualTo(data);
        }
        ReadBack.rewrite(a, b, ImageCheck.options());
        assertThat(ReadBack.sha256(b)).isEqualTo(ReadBack.sha256(a));
    }

    static InputStream tail(int size) {
        byte[] data = new byte[size];
        System.arraycopy(b("end"), 0, data, size - 3, 3);
        return new ByteArrayInputStream(data);
    }
}
