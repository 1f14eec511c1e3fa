package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class XattrEncoderTest {
    /** What the kernel returns for `setfacl -m u:1000:rwx,g:2000:r-x` on a 0644 file (getfattr -e hex). */
    static final byte[] VFS_ACL = HexFormat.of().parseHex("0200000001000600ffffffff02000700e803000004000400"
            + "ffffffff08000500d007000010000700ffffffff20000400ffffffff");
    /** What the kernel stored on disk for it (debugfs ea_get -r). */
    static final byte[] DISK_ACL = HexFormat.of().parseHex("010000000100060002000700e80300000400040008000500"
            + "d00700001000070020000400");
    static final byte[] CAP = HexFormat.of().parseHex("0100000200200000000000000000000000000000");

    @Test
    void aclIsConvertedToTheOnDiskFormat() throws Exception {
        assertThat(PosixAcl.toDisk("f", "system.posix_acl_access", VFS_ACL)).isEqualTo(DISK_ACL);
    }

    @Test
    void malformedAclsAreRejectedNamingThePath() {
        assertThatThrownBy(() -> PosixAcl.toDisk("etc/x", "system.posix_acl_access", new byte[]{2, 0, 0, 0, 1}))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("etc/x: ");
        assertThatThrownBy(() -> PosixAcl.toDisk("etc/x", "system.posix_acl_access", DISK_ACL))
                .isInstanceOf(Ext4Exception.class).hasMessageContaining("version 1");
        byte[] badTag = VFS_ACL.clone();
        badTag[4] = 0x40;
        assertThatThrownBy(() -> PosixAcl.toDisk("etc/x", "system.posix_acl_access", badTag))
                .isInstanceOf(Ext4Exception.class).hasMessageContaining("tag 0x40");
    }

    @Test
    void entryHashMatchesE2fsprogsDefinition() {
        // name "capability" then the value as little-endian words, rotations 5 and 16
        int h = 0;
        for (byte c : "capability".getBytes(StandardCharsets.US_ASCII)) {
            h = (h << 5) ^ (h >>> 27) ^ c;
        }
        ByteBuffer v = ByteBuffer.wrap(CAP).order(ByteOrder.LITTLE_ENDIAN);
        while (v.hasRemaining()) {
            h = (h << 16) ^ (h >>> 16) ^ v.getInt();
        }
        assertThat(XattrEncoder.entryHash("capability".getBytes(StandardCharsets.US_ASCII), CAP)).isEqualTo(h);
        // a 3-byte value is hashed as one zero-padded word
        assertThat(XattrEncoder.entryHash(new byte[0], new byte[]{1, 2, 3})).isEqualTo(0x030201);
        assertThat(XattrEncoder.blockHash(new int[]{5, 0, 7})).isZero();
    }

    @Test
    void inlineRegionLayoutIsPinned() throws Exception {
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("security.capability", CAP);
        x.put("user.a", new byte[]{'x', 'y', 'z'});
        XattrEncoder.Layout l = XattrEncoder.layout("bin/ping", x, 96, 4096);
        assertThat(l.needsBlock()).isFalse();
        byte[] r = l.inline();
        assertThat(r).hasSize(96);
        ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(0xEA020000);
        // first entry (index 1 "user." sorts before 6 "security."): "a", 16 + 1 padded to 20 bytes
        assertThat(r[4]).isEqualTo((byte) 1);
        assertThat(r[5]).isEqualTo((byte) 1);
        int off1 = b.getShort(6) & 0xFFFF;
        assertThat(b.getInt(8)).isZero();
        assertThat(b.getInt(12)).isEqualTo(3);
        assertThat(b.getInt(16)).isZero(); // in-inode entries carry no hash, as the kernel writes them
        assertThat(r[20]).isEqualTo((byte) 'a');
        // its value sits at the very end of the region (offset relative to the first entry)
        assertThat(4 + off1).isEqualTo(96 - 4);
        assertThat(new String(r, 92, 3, StandardCharsets.US_ASCII)).isEqualTo("xyz");
        // second entry at 4 + 20: "capability" (10 bytes -> 28-byte entry), value of 20 bytes below the first
        assertThat(r[24]).isEqualTo((byte) 10);
        assertThat(r[25]).isEqualTo((byte) 6);
        assertThat(4 + (b.getShort(26) & 0xFFFF)).isEqualTo(92 - 20);
        assertThat(java.util.Arrays.copyOfRange(r, 72, 92)).isEqualTo(CAP);
        // the zero word ending the entry list
        assertThat(b.getInt(24 + 28)).isZero();
    }

    @Test
    void overflowGoesToABlockWithHeaderHashAndChecksum() throws Exception {
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("user.big", new byte[3000]);
        x.put("trusted.t", new byte[]{1});
        x.put("user.zz", new byte[100]);
        XattrEncoder.Layout l = XattrEncoder.layout("big", x, 96, 4096);
        assertThat(l.needsBlock()).isTrue();
        // user.zz (100-byte value) does not fit the 96-byte region, the later trusted.t does
        assertThat(l.inline()[5]).isEqualTo((byte) 4);
        byte[] blk = l.block(1234, 0x11223344);
        assertThat(blk).hasSize(4096);
        ByteBuffer b = ByteBuffer.wrap(blk).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(0xEA020000);
        assertThat(b.getInt(4)).isEqualTo(1);
        assertThat(b.getInt(8)).isEqualTo(1);
        // entries sorted by (index, name length, name): user.zz before user.big
        assertThat(blk[32]).isEqualTo((byte) 2);
        assertThat(blk[33]).isEqualTo((byte) 1);
        assertThat(blk[32 + 20]).isEqualTo((byte) 3);
        assertThat(blk[32 + 20 + 1]).isEqualTo((byte) 1);
        assertThat(b.getInt(32 + 40)).isZero();
        // values packed from the end: zz's 100 bytes last, big's 3000 below them
        assertThat(b.getShort(32 + 2) & 0xFFFF).isEqualTo(4096 - 100);
        assertThat(b.getShort(52 + 2) & 0xFFFF).isEqualTo(4096 - 100 - 3000);
        int[] hashes = {b.getInt(32 + 12), b.getInt(52 + 12)};
        assertThat(b.getInt(12)).isEqualTo(XattrEncoder.blockHash(hashes));
        // checksum: crc32c(seed, le64 block number, block with h_checksum zeroed)
        int stored = b.getInt(16);
        b.putInt(16, 0);
        int crc = Crc32c.update(Crc32c.update(0x11223344, new byte[]{(byte) 0xd2, 4, 0, 0, 0, 0, 0, 0}), blk);
        assertThat(stored).isEqualTo(crc);
    }

    @Test
    void smallAttributesStayInTheInodeAndLargeOnesGoToTheBlock() throws Exception {
        Map<String, byte[]> x = new LinkedHashMap<>();
        x.put("user.big", new byte[200]);
        x.put("security.capability", CAP);
        XattrEncoder.Layout l = XattrEncoder.layout("f", x, 96, 4096);
        assertThat(l.inline()).isNotNull();
        assertThat(l.inline()[5]).isEqualTo((byte) 6);
        assertThat(l.needsBlock()).isTrue();
        assertThat(l.blockAttrs()).extracting(XattrEncoder.Attr::index).containsExactly(1);
    }

    @Test
    void tooLargeOrUnknownAttributesAreErrorsNamingThePath() {
        assertThatThrownBy(() -> XattrEncoder.layout("usr/lib/huge", Map.of("user.v", new byte[5000]), 96, 4096))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("usr/lib/huge: ")
                .hasMessageContaining("4096");
        assertThatThrownBy(() -> XattrEncoder.layout("a", Map.of("foo.bar", new byte[1]), 96, 4096))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("a: ");
        assertThatThrownBy(() -> XattrEncoder.layout("a", Map.of("user." + "n".repeat(256), new byte[1]), 96, 4096))
                .isInstanceOf(Ext4Exception.class).hasMessageContaining("255");
    }

    @Test
    void noAttributesNeedNothing() throws Exception {
        XattrEncoder.Layout l = XattrEncoder.layout("a", Map.of(), 96, 4096);
        assertThat(l.inline()).isNull();
        assertThat(l.needsBlock()).isFalse();
    }
}
