package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Images written by {@link Ext4Writer} with large directories, odd names, xattrs and ACLs,
 * checked by e2fsck -fn, debugfs and (as root) the kernel through a loop mount.
 */
class DirectoriesAndXattrsEndToEndTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        Tools.assumeTools("e2fsck", "debugfs");
    }

    interface Body {
        void write(Ext4Writer w) throws Exception;
    }

    private RealImage build(Body body) throws Exception {
        Path file = tmp.resolve("kiln.img");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
             Ext4Writer w = new Ext4Writer(ch, Ext4Options.defaults().withCreationTime(1_700_000_000L))) {
            body.write(w);
            w.finish();
        }
        RealImage image = RealImage.open(file);
        image.assertFsckClean();
        return image;
    }

    private static Attributes attrs(int perm, Map<String, byte[]> xattrs) {
        return new Attributes(perm, 0, 0, 1_700_000_000L, 0, xattrs);
    }

    private static byte[] path(byte[] dir, byte[] name) {
        byte[] p = Arrays.copyOf(dir, dir.length + 1 + name.length);
        p[dir.length] = '/';
        System.arraycopy(name, 0, p, dir.length + 1, name.length);
        return p;
    }

    @Test
    void tenThousandOddNamesInOneDirectory() throws Exception {
        List<byte[]> names = oddNames(10_000, new Random(11));
        RealImage image = build(w -> writeDir(w, names));
        String htree = image.debugfs("htree big");
        assertThat(htree).contains("Indirect levels: 0", "Number of entries (limit): 507").doesNotContain("Corrupt");
        assertKernelFindsEveryName(image, names);
    }

    @Test
    void fiftyThousandEntriesNeedATwoLevelIndex() throws Exception {
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            names.add(String.format("entry-%06d-%s", i, "q".repeat(48 + i % 16)).getBytes(StandardCharsets.US_ASCII));
        }
        RealImage image = build(w -> writeDir(w, names));
        assertThat(image.debugfs("htree big")).contains("Indirect levels: 1");
        assertKernelFindsEveryName(image, names);
    }

    /** File i in "big" has size i % 97, so a lookup returning the wrong inode shows. */
    private static void writeDir(Ext4Writer w, List<byte[]> names) throws Exception {
        byte[] dir = "big".getBytes(StandardCharsets.US_ASCII);
        w.directory(dir, attrs(0755, Map.of()));
        for (int i = 0; i < names.size(); i++) {
            byte[] content = new byte[i % 97];
            Arrays.fill(content, (byte) 'k');
            w.file(path(dir, names.get(i)), attrs(0644, Map.of()), content.length, new ByteArrayInputStream(content));
        }
    }

    static List<byte[]> oddNames(int count, Random random) {
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(DirectoryImageTest.oddName(random, i));
        }
        return names;
    }

    /** readdir lists exactly the names; a lookup of each name finds the file with its size. */
    private static void assertKernelFindsEveryName(RealImage image, List<byte[]> names) throws Exception {
        Tools.assumeRoot();
        Tools.assumeTool("mount");
        image.mounted("ro", mnt -> {
            Path dir = mnt.resolve("big");
            Tools.Result listed = Tools.run(null, List.of("find", dir.toString(), "-mindepth", "1", "-maxdepth", "1",
                    "-printf", "%f\\0"));
            assertThat(listed.exit()).isZero();
            List<String> got = DirectoryImageTest.splitNul(listed.stdout());
            List<String> want = new ArrayList<>();
            ByteArrayOutputStream stdin = new ByteArrayOutputStream();
            for (byte[] n : names) {
                want.add(new String(n, StandardCharsets.ISO_8859_1));
                stdin.writeBytes(n);
                stdin.write(0);
            }
            got.sort(null);
            want.sort(null);
            assertThat(got).hasSameSizeAs(want).isEqualTo(want);
            Tools.Result stat = Tools.run(stdin.toByteArray(), List.of("sh", "-c",
                    "cd \"$1\" && xargs -0 stat -c %s --", "sh", dir.toString()));
            assertThat(stat.exit()).as(stat.stderr()).isZero();
            String[] sizes = stat.out().trim().split("\n");
            assertThat(sizes).hasSize(names.size());
            for (int i = 0; i < sizes.length; i++) {
                assertThat(Integer.parseInt(sizes[i])).as("size of entry %d", i).isEqualTo(i % 97);
            }
        });
        image.assertFsckClean();
    }

    @Test
    void xattrsInlineInABlockAndAclsReadBack() throws Exception {
        byte[] big = new byte[1800];
        new Random(5).nextBytes(big);
        Map<String, byte[]> small = new LinkedHashMap<>();
        small.put("security.capability", XattrEncoderTest.CAP);
        small.put("user.note", "hello".getBytes(StandardCharsets.US_ASCII));
        Map<String, byte[]> large = new LinkedHashMap<>();
        large.put("user.big", big);
        large.put("user.empty", new byte[0]);
        large.put("trusted.overlay.opaque", new byte[]{'y'});
        large.put("security.selinux", "system_u:object_r:bin_t:s0\0".getBytes(StandardCharsets.US_ASCII));
        large.put("system.posix_acl_access", XattrEncoderTest.VFS_ACL);
        Map<String, byte[]> dirAcls = new LinkedHashMap<>();
        dirAcls.put("system.posix_acl_access", XattrEncoderTest.VFS_ACL);
        dirAcls.put("system.posix_acl_default", XattrEncoderTest.VFS_ACL);
        RealImage image = build(w -> {
            w.file("ping".getBytes(StandardCharsets.US_ASCII), attrs(0755, small), 3, new ByteArrayInputStream(new byte[]{1, 2, 3}));
            w.file("large".getBytes(StandardCharsets.US_ASCII), attrs(0640, large), 0, new ByteArrayInputStream(new byte[0]));
            w.directory("shared".getBytes(StandardCharsets.US_ASCII), attrs(0775, dirAcls));
        });
        assertThat(fileAcl(image, "ping")).isZero();
        assertThat(fileAcl(image, "large")).isPositive();
        assertThat(image.debugfs("ea_list large")).contains("user.big (1800)", "user.empty (0)",
                "security.selinux (27)", "trusted.overlay.opaque (1)");
        assertThat(image.debugfs("ea_list ping")).contains("security.capability (20)");

        Tools.assumeRoot();
        Tools.assumeTools("getfattr", "getfacl");
        image.mounted("ro", mnt -> {
            assertXattrs(mnt.resolve("ping"), small);
            assertXattrs(mnt.resolve("large"), large);
            assertXattrs(mnt.resolve("shared"), dirAcls);
            assertThat(Tools.ok("getfacl", "-n", mnt.resolve("large").toString()))
                    .contains("user:1000:rwx", "group:2000:r-x", "mask::rwx", "other::r--");
            assertThat(Tools.ok("getfacl", "-n", mnt.resolve("shared").toString()))
                    .contains("default:user:1000:rwx", "default:group:2000:r-x");
        });
    }

    /** getfattr -d -m- shows exactly these attributes with these bytes. */
    private static void assertXattrs(Path file, Map<String, byte[]> expected) throws Exception {
        String out = Tools.ok("getfattr", "-d", "-m", "-", "-e", "hex", file.toString());
        Map<String, String> got = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                String v = line.substring(eq + 1).trim();
                got.put(line.substring(0, eq), v.startsWith("0x") ? v.substring(2) : "");
            } else if (!line.isBlank() && !line.startsWith("#")) {
                got.put(line.trim(), "");
            }
        }
        Map<String, String> want = new LinkedHashMap<>();
        expected.forEach((k, v) -> want.put(k, HexFormat.of().formatHex(v)));
        assertThat(got).as("xattrs of %s", file).containsExactlyInAnyOrderEntriesOf(want);
    }

    private static long fileAcl(RealImage image, String path) throws Exception {
        Matcher m = Pattern.compile("File ACL: (\\d+)").matcher(image.debugfs("stat " + path));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void attributesThatCannotFitNameThePath() {
        assertThatThrownBy(() -> build(w -> w.file("usr/lib/huge".getBytes(StandardCharsets.US_ASCII),
                attrs(0644, Map.of("user.blob", new byte[5000])), 0, new ByteArrayInputStream(new byte[0]))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("usr/lib/huge: ");
    }
}
