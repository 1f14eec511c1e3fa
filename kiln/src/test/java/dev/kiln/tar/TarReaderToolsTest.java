package dev.kiln.tar;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Archives written by GNU tar and bsdtar, read back and compared with the tree they came from. */
class TarReaderToolsTest {
    @TempDir
    static Path tmp;
    static Path full;
    static Path ustar;
    static Path xattrs;

    @BeforeAll
    static void trees() {
        assumeTrue(Tools.isRoot(), "needs root (mknod, chown, setcap)");
        full = Trees.make(mkdir(tmp.resolve("a")), false);
        ustar = Trees.make(mkdir(tmp.resolve("b")), true);
        xattrs = Trees.makeXattrs(tmp);
    }

    private static Path mkdir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, String> read(Path tar, Listing.Options o) throws IOException {
        try (TarReader r = new TarReader(Files.newInputStream(tar), "tar:" + tar.getFileName())) {
            return Listing.read(r, o);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax", "oldgnu"})
    void gnuTarFormatsKeepEverything(String format) throws IOException {
        Path tar = tmp.resolve(format + ".tar");
        Tools.bash(tmp, "tar -C \"$1\" --format=" + format + " --numeric-owner -cf \"$2\" .", full.toString(), tar.toString());
        Listing.Options o = new Listing.Options(format.equals("pax"), false);
        assertThat(read(tar, o)).containsExactlyEntriesOf(Listing.scan(full, o));
    }

    @Test
    void gnuTarUstarUsesThePrefixField() throws IOException {
        Path tar = tmp.resolve("ustar.tar");
        Tools.bash(tmp, "tar -C \"$1\" --format=ustar --numeric-owner -cf \"$2\" .", ustar.toString(), tar.toString());
        Listing.Options o = new Listing.Options(false, false);
        Map<String, String> got = read(tar, o);
        assertThat(got).containsExactlyEntriesOf(Listing.scan(ustar, o));
        assertThat(got.keySet()).anyMatch(p -> p.length() == 70 + 1 + 70 + 1 + 90);
    }

    @Test
    void bsdtarPaxKeepsEverything() throws IOException {
        assumeTrue(Tools.available("bsdtar"), "bsdtar (libarchive-tools) is not installed");
        Path tar = tmp.resolve("bsd.tar");
        Tools.bash(tmp, "bsdtar -C \"$1\" --format pax --numeric-owner -cf \"$2\" .", full.toString(), tar.toString());
        Listing.Options o = new Listing.Options(true, false);
        assertThat(read(tar, o)).containsExactlyEntriesOf(Listing.scan(full, o));
    }

    @Test
    void gnuTarXattrsAreByteExact() throws IOException {
        Path tar = tmp.resolve("xattrs.tar");
        Tools.bash(tmp, "tar -C \"$1\" --xattrs --xattrs-include='*' --numeric-owner -cf \"$2\" .",
                xattrs.toString(), tar.toString());
        Listing.Options o = new Listing.Options(true, true);
        Map<String, String> want = Listing.scan(xattrs, o);
        assertThat(read(tar, o)).containsExactlyEntriesOf(want);
        // The raw values, checked against what the kernel reports (and setcap's known encoding).
        Map<String, Entry> entries = entries(tar);
        assertThat(hex(entries.get("ping").xattrs().get("security.capability")))
                .isEqualTo(getfattr(xattrs.resolve("ping"), "security.capability"))
                .startsWith("01000002"); // VFS_CAP_REVISION_2
        assertThat(hex(entries.get("acl").xattrs().get("system.posix_acl_access")))
                .isEqualTo(getfattr(xattrs.resolve("acl"), "system.posix_acl_access"))
                .contains("e8030000");
        assertThat(hex(entries.get("user").xattrs().get("user.bin"))).isEqualTo("00ff0a3d0d80c3");
    }

    @Test
    void bsdtarXattrsAndTextAclsBecomeTheSameBytes() throws IOException {
        assumeTrue(Tools.available("bsdtar"), "bsdtar (libarchive-tools) is not installed");
        Path tar = tmp.resolve("bsdx.tar");
        // bsdtar stores ACLs only as SCHILY.acl.* text ("user:name:r--:1000"), xattrs as LIBARCHIVE.xattr.*.
        Tools.bash(tmp, "bsdtar -C \"$1\" --format pax --xattrs --acls --numeric-owner -cf \"$2\" .",
                xattrs.toString(), tar.toString());
        assertThat(Tools.bash(tmp, "grep -c -a 'SCHILY.acl.access' \"$1\" || true", tar.toString())).isNotEqualTo("0\n".getBytes());
        Listing.Options o = new Listing.Options(true, true);
        assertThat(read(tar, o)).containsExactlyEntriesOf(Listing.scan(xattrs, o));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax-0.0", "pax-0.1", "pax-1.0"})
    void sparseFilesExpandToTheirContent(String variant) throws IOException {
        Path dir = mkdir(tmp.resolve("sparse-" + variant));
        Tools.bash(dir, """
                mkdir s
                truncate -s 20M s/holes
                printf 'start' | dd of=s/holes conv=notrunc status=none
                head -c 100000 /dev/urandom | dd of=s/holes bs=1M seek=7 conv=notrunc status=none
                printf 'end' | dd of=s/holes bs=1 seek=$((20*1024*1024-3)) conv=notrunc status=none
                truncate -s 8M s/tailhole
                printf 'data' > s/tailhole.tmp; dd if=s/tailhole.tmp of=s/tailhole bs=4096 seek=10 conv=notrunc status=none
                rm s/tailhole.tmp
                truncate -s 1M s/allhole
                """);
        String opts = variant.equals("gnu") ? "--format=gnu"
                : "--format=pax --sparse-version=" + variant.substring(4);
        Path tar = dir.resolve("s.tar");
        Tools.bash(dir, "tar -C s -S " + opts + " --numeric-owner -cf s.tar .");
        Listing.Options o = new Listing.Options(false, false);
        assertThat(read(tar, o)).containsExactlyEntriesOf(Listing.scan(dir.resolve("s"), o));
        // The archive really is sparse (far smaller than the files), so the sparse path was taken.
        assertThat(Files.size(tar)).isLessThan(1 << 20);
    }

    @Test
    void longNamesAndNonUtf8NamesKeepTheirBytes() throws IOException {
        Path tar = tmp.resolve("names.tar");
        Tools.bash(tmp, "tar -C \"$1\" --format=pax -cf \"$2\" .", full.toString(), tar.toString());
        Map<String, Entry> entries = entries(tar);
        assertThat(entries).containsKeys("caf\\xe9", "new\\x0aline", "back\\x5cslash", "m".repeat(255), "longtarget");
        assertThat(entries.get("dir/hardlink").type()).isEqualTo(EntryType.HARDLINK);
        assertThat(entries.get("dir/hardlink").linkTarget()).isEqualTo("dir/file".getBytes());
        assertThat(entries.get("longtarget").linkTarget()).isEqualTo("t".repeat(200).getBytes());
        assertThat(entries.get("dir/symlink").mtimeNanos()).isEqualTo(123456789);
        assertThat(entries.get("blockdev").devMinor()).isEqualTo(300);
        assertThat(entries.get("bigids").uid()).isEqualTo(3000000);
        assertThat(entries.get("").type()).isEqualTo(EntryType.DIRECTORY);
    }

    @Test
    void gnuIncrementalDumpdirsAreDirectories() throws IOException {
        // --listed-incremental writes 'D' entries whose data lists the directory's names.
        Path tar = tmp.resolve("incremental.tar");
        Tools.bash(tmp, "tar -C \"$1\" --listed-incremental=\"$2.snar\" --numeric-owner -cf \"$2\" .",
                ustar.toString(), tar.toString());
        Listing.Options o = new Listing.Options(false, false);
        assertThat(read(tar, o)).containsExactlyEntriesOf(Listing.scan(ustar, o));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax"})
    void pathsOver4KiB(String format) throws IOException {
        Path dir = mkdir(tmp.resolve("deep-" + format));
        try {
            Trees.makeDeep(dir);
            Tools.bash(dir, "tar -C deep --format=" + format + " -cf deep.tar .");
            Map<String, String> got = read(dir.resolve("deep.tar"), new Listing.Options(false, false));
            String deepest = "p".repeat(200) + ("/" + "p".repeat(200)).repeat(21) + "/deepfile";
            assertThat(deepest.length()).isGreaterThan(4096);
            assertThat(got).hasSize(1 + 22 + 1);
            assertThat(got.get(deepest)).contains("size=4 sha256=" + Listing.sha256(
                    new java.io.ByteArrayInputStream("deep".getBytes()), 4));
        } finally {
            Trees.removeDeep(dir);
        }
    }

    private static Map<String, Entry> entries(Path tar) throws IOException {
        Map<String, Entry> result = new HashMap<>();
        try (TarReader r = new TarReader(Files.newInputStream(tar), "test")) {
            Entry e;
            while ((e = r.next()) != null) {
                if (e.content() != null) {
                    try (InputStream c = e.content()) {
                        c.readAllBytes();
                    }
                }
                result.put(Listing.escape(e.path()), e.withContent(e.size(), null));
            }
        }
        return result;
    }

    private static String hex(byte[] b) {
        return b == null ? null : HexFormat.of().formatHex(b);
    }

    private static String getfattr(Path file, String name) {
        String out = new String(Tools.bash(file.getParent(), "getfattr -h --only-values -e hex -n \"$1\" -- \"$2\" | od -An -tx1 -v | tr -d ' \\n'",
                name, file.toString()));
        return out;
    }
}
