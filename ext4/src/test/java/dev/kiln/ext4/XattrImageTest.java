package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link XattrEncoder} against the kernel and e2fsprogs: the in-inode region must equal what
 * the kernel writes for the same attributes, and our region plus block, spliced into a real
 * image, must pass e2fsck and read back through the kernel (getfattr, getfacl).
 */
class XattrImageTest {
    private static final int INODE_SIZE = 256;
    private static final int EXTRA_ISIZE = 32;
    private static final int INLINE_CAPACITY = INODE_SIZE - 128 - EXTRA_ISIZE;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        Tools.assumeTools("mkfs.ext4", "debugfs", "e2fsck");
    }

    /** Region of the inode after i_extra_isize, read from the image. */
    private static byte[] inodeRegion(RealImage image, String path) throws Exception {
        long[] at = inodeLocation(image, path);
        byte[] inode = image.read(at[0] * RealImage.BLOCK + at[1], INODE_SIZE);
        assertThat(inode[128] & 0xFF | (inode[129] & 0xFF) << 8).isEqualTo(EXTRA_ISIZE);
        return Arrays.copyOfRange(inode, 128 + EXTRA_ISIZE, INODE_SIZE);
    }

    private static long[] inodeLocation(RealImage image, String path) throws Exception {
        String out = image.debugfs("imap " + path);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("located at block (\\d+), offset 0x([0-9a-f]+)")
                .matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2), 16)};
    }

    @Test
    void inlineRegionEqualsWhatTheKernelWrites() throws Exception {
        Tools.assumeRoot();
        Tools.assumeTools("setfacl", "setfattr");
        RealImage image = RealImage.create(tmp.resolve("img"), null, "32M");
        byte[][] vfsAcl = new byte[1][];
        image.mounted("rw", mnt -> {
            Path f = Files.createFile(mnt.resolve("f"));
            Tools.ok("setfacl", "-m", "u:1000:rwx,g:2000:r-x", f.toString());
            Tools.ok("setfattr", "-n", "security.capability", "-v",
                    "0x" + HexFormat.of().formatHex(XattrEncoderTest.CAP), f.toString());
            vfsAcl[0] = hexAttr(Tools.ok("getfattr", "-n", "system.posix_acl_access", "-e", "hex", f.toString()));
        });
        assertThat(vfsAcl[0]).isEqualTo(XattrEncoderTest.VFS_ACL);
        // the ACL as the kernel stored it on disk
        assertThat(image.debugfs("ea_get -r -x f system.posix_acl_access").replaceAll("\\s+", " "))
                .contains(spaced(PosixAcl.toDisk("f", "system.posix_acl_access", vfsAcl[0])));

        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("system.posix_acl_access", vfsAcl[0]);
        x.put("security.capability", XattrEncoderTest.CAP);
        XattrEncoder.Layout layout = XattrEncoder.layout("f", x, INLINE_CAPACITY, RealImage.BLOCK);
        // Both don't fit in 96 bytes: the ACL stays in the inode, the capability goes to a block.
        assertThat(layout.needsBlock()).isTrue();
        assertThat(HexFormat.of().formatHex(layout.inline()))
                .isEqualTo(HexFormat.of().formatHex(inodeRegion(image, "f")));
        long block = fileAcl(image, "f");
        assertThat(HexFormat.of().formatHex(layout.block(block, image.csumSeed())))
                .isEqualTo(HexFormat.of().formatHex(image.readBlock(block)));
    }

    @Test
    void inlineAndBlockSplicedIntoAnImageReadBackThroughTheKernel() throws Exception {
        Files.createDirectories(tmp.resolve("src"));
        Files.createFile(tmp.resolve("src/f"));
        RealImage image = RealImage.create(tmp.resolve("img"), tmp.resolve("src"), "32M");
        // Let e2fsprogs allocate an xattr block for f; we then overwrite it with ours.
        Path filler = tmp.resolve("filler");
        Files.write(filler, new byte[3000]);
        image.debugfsWrite(List.of("ea_set -f " + filler + " f user.filler"));
        long block = fileAcl(image, "f");

        byte[] big = new byte[2500];
        new Random(3).nextBytes(big);
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("user.big", big);
        x.put("security.capability", XattrEncoderTest.CAP);
        x.put("system.posix_acl_access", XattrEncoderTest.VFS_ACL);
        x.put("trusted.overlay.opaque", new byte[]{'y'});
        x.put("user.empty", new byte[0]);
        x.put("user.odd", new byte[]{1, 2, 3, 4, 5});
        XattrEncoder.Layout layout = XattrEncoder.layout("f", x, INLINE_CAPACITY, RealImage.BLOCK);
        assertThat(layout.inline()).isNotNull();
        assertThat(layout.needsBlock()).isTrue();

        long[] at = inodeLocation(image, "f");
        int ino = image.inode("f");
        image.write(at[0] * RealImage.BLOCK + at[1] + 128 + EXTRA_ISIZE, layout.inline());
        image.writeBlock(block, layout.block(block, image.csumSeed()));
        fixInodeChecksum(image, at, ino);
        image.assertFsckClean();

        String list = image.debugfs("ea_list f");
        assertThat(list).contains("security.capability (20)", "user.big (2500)", "user.empty (0)",
                "trusted.overlay.opaque (1)", "system.posix_acl_access");

        Tools.assumeRoot();
        Tools.assumeTools("getfattr", "getfacl");
        image.mounted("ro", mnt -> {
            String f = mnt.resolve("f").toString();
            for (Map.Entry<String, byte[]> e : x.entrySet()) {
                String out = Tools.ok("getfattr", "-n", e.getKey(), "-e", "hex", f);
                assertThat(hexAttr(out)).as(e.getKey()).isEqualTo(e.getValue());
            }
            String acl = Tools.ok("getfacl", "-n", f);
            assertThat(acl).contains("user:1000:rwx", "group:2000:r-x", "mask::rwx", "other::r--");
        });
        image.assertFsckClean();
    }

    private static long fileAcl(RealImage image, String path) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("File ACL: (\\d+)").matcher(image.debugfs("stat " + path));
        assertThat(m.find()).isTrue();
        long block = Long.parseLong(m.group(1));
        assertThat(block).isPositive();
        return block;
    }

    /**
     * Recomputes the inode checksum after we changed its bytes: crc32c over the seed, inode
     * number, generation and the whole inode with both checksum halves zeroed.
     */
    private static void fixInodeChecksum(RealImage image, long[] at, int ino) throws Exception {
        long pos = at[0] * RealImage.BLOCK + at[1];
        java.nio.ByteBuffer inode = java.nio.ByteBuffer.wrap(image.read(pos, INODE_SIZE))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        inode.putShort(0x7C, (short) 0);
        inode.putShort(0x82, (short) 0);
        int seed = Crc32c.updateInt(Crc32c.updateInt(image.csumSeed(), ino), inode.getInt(0x64));
        int crc = Crc32c.update(seed, inode.array());
        inode.putShort(0x7C, (short) crc);
        inode.putShort(0x82, (short) (crc >>> 16));
        image.write(pos, inode.array());
    }

    /** Parses `getfattr -e hex` output: name=0x... (an empty value prints as name=""). */
    private static byte[] hexAttr(String out) {
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                String v = line.substring(eq + 1).trim();
                return v.startsWith("0x") ? HexFormat.of().parseHex(v.substring(2)) : new byte[0];
            }
        }
        return new byte[0];
    }

    private static String spaced(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(s.length() == 0 ? "" : " ").append(String.format("%02x", x));
        }
        return s.toString();
    }
}
