package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Xattrs placed by the writer (in the inode, in an xattr block) as e2fsck, debugfs and the kernel see them. */
class WriterXattrTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    static byte[] vfsAcl(int... tagPermId) {
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * (tagPermId.length / 3)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        for (int i = 0; i < tagPermId.length; i += 3) {
            b.putShort((short) tagPermId[i]).putShort((short) tagPermId[i + 1]).putInt(tagPermId[i + 2]);
        }
        return b.array();
    }

    @Test
    void inlineBlockAndAclXattrs() throws Exception {
        // cap_net_raw+ep as setcap writes it (VFS_CAP_REVISION_2)
        byte[] cap = {0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        Map<String, byte[]> small = new LinkedHashMap<>();
        small.put("security.capability", cap);
        Map<String, byte[]> large = new LinkedHashMap<>();
        byte[] big = new byte[2000];
        Arrays.fill(big, (byte) 'v');
        large.put("user.big", big);
        large.put("user.small", b("s"));
        Map<String, byte[]> acl = new LinkedHashMap<>();
        acl.put("system.posix_acl_access", vfsAcl(1, 7, -1, 2, 5, 1000, 4, 5, -1, 0x10, 5, -1, 0x20, 0, -1));
        Path img = tmp.resolve("img");
        build(img, options(), items(
                file("ping", new Attributes(0755, 0, 0, 1_700_000_000L, 0, small), b("bin")),
                file("large", new Attributes(0644, 0, 0, 1_700_000_000L, 0, large), b("x")),
                dir("acl", new Attributes(0750, 0, 0, 1_700_000_000L, 0, acl)),
                file("plain", attrs(0644), b("p"))));
        assertClean(img);
        assertThat(debugfs(img, "ea_list /ping")).contains("security.capability");
        assertThat(debugfs(img, "stat /large")).containsPattern("File ACL: [1-9]");
        assertThat(debugfs(img, "stat /ping")).contains("File ACL: 0");
        assertThat(debugfs(img, "ea_list /large")).contains("user.big").contains("user.small");
        withMount(img, root -> {
            if (have("getcap")) {
                assertThat(run("getcap", root.resolve("ping").toString()).output()).contains("cap_net_raw");
            }
            var view = java.nio.file.Files.getFileAttributeView(root.resolve("large"),
                    java.nio.file.attribute.UserDefinedFileAttributeView.class);
            assertThat(view.list()).containsExactlyInAnyOrder("big", "small");
            ByteBuffer value = ByteBuffer.allocate(4096);
            view.read("big", value);
            assertThat(Arrays.copyOf(value.array(), value.position())).isEqualTo(big);
            if (have("getfacl")) {
                assertThat(run("getfacl", "-n", root.resolve("acl").toString()).output()).contains("user:1000:r-x");
            }
        });
    }

    /** The order a source lists a file's xattrs in changes nothing: a tar's and the reader's give one image. */
    @Test
    void theOrderOfXattrsDoesNotChangeTheImage() throws Exception {
        Map<String, byte[]> one = new LinkedHashMap<>();
        one.put("user.big", new byte[900]);
        one.put("trusted.t", b("trusted"));
        Map<String, byte[]> other = new LinkedHashMap<>();
        other.put("trusted.t", b("trusted"));
        other.put("user.big", new byte[900]);
        build(tmp.resolve("one"), options(), items(file("f", new Attributes(0644, 0, 0, 1, 0, one), b("x"))));
        build(tmp.resolve("other"), options(), items(file("f", new Attributes(0644, 0, 0, 1, 0, other), b("x"))));
        assertThat(java.nio.file.Files.mismatch(tmp.resolve("one"), tmp.resolve("other"))).isEqualTo(-1);
        assertClean(tmp.resolve("one"));
    }

    @Test
    void xattrsTooLargeForOneBlockFailNamingThePath() {
        Map<String, byte[]> huge = Map.of("user.huge", new byte[8000]);
        assertThatThrownBy(() -> build(tmp.resolve("img"), options(),
                items(file("etc/f", new Attributes(0644, 0, 0, 0, 0, huge), b("x")))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("etc/f");
    }
}
