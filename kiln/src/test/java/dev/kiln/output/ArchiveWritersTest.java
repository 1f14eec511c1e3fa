package dev.kiln.output;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


import static org.assertj.core.api.Assertions.assertThat;

/** cpio and tar outputs of the same tree, extracted by GNU and BSD tools and compared with stat. */
class ArchiveWritersTest {
    @TempDir
    Path tmp;

    private Path write(String format, Compression compression) throws IOException {
        Path archive = tmp.resolve("out." + format);
        try (SpooledTree tree = new SpooledTree(tmp, 0);
             OutputStream out = compression.wrap(Files.newOutputStream(archive))) {
            TestTree.feed(tree);
            if (format.equals("cpio")) {
                CpioWriter.write(tree, out);
            } else {
                TarWriter.write(tree, out, skipped -> assertThat(skipped).isEqualTo("/sock"));
            }
        }
        return archive;
    }

    @ParameterizedTest(name = "{0} extracted by {1}")
    @CsvSource({"cpio,cpio", "cpio,bsdtar", "tar,tar", "tar,bsdtar"})
    void extractionKeepsEverything(String format, String tool) throws Exception {
        Tools.assumeTools(tool);
        Tools.assumeTools("stat");
        Tools.assumeRoot();   // owners and device nodes
        Path archive = write(format, Compression.NONE);
        Path dir = Files.createDirectories(tmp.resolve("x"));
        String a = archive.toString();
        switch (tool) {
            case "cpio" -> Tools.checkIn(dir, "cpio", "-idmu", "--quiet", "-F", a);
            case "tar" -> Tools.checkIn(dir, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", a);
            default -> Tools.checkIn(dir, "bsdtar", "--xattrs", "--numeric-owner", "-xpf", a);
        }
        Map<String, String> actual = stat(dir);
        // tar has no socket type; bsdtar restores a cpio socket as an empty file, GNU cpio as a socket.
        Map<String, String> expected = TestTree.expectedStat(tool.equals("cpio"));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String got = actual.get(e.getKey());
            if (format.equals("cpio")) {
                // newc stores whole seconds only.
                // newc stores unsigned 32-bit whole seconds: no fraction, nothing before 1970.
                e.setValue(e.getValue().replaceAll("\\.\\d{9}\\|", ".000000000|").replace("|-86400.", "|0."));
            }
            if (e.getValue().startsWith("symbolic link") || (tool.equals("cpio") && e.getValue().startsWith("dir"))) {
                // Restoring a symlink's own mtime is optional for extractors, and GNU cpio
                // does not restore a directory's after filling it; compare the rest.
                assertThat(got).as(e.getKey()).isNotNull();
                assertThat(withoutMtime(got)).as(e.getKey()).isEqualTo(withoutMtime(e.getValue()));
            } else {
                assertThat(got).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(actual).doesNotContainKeys("./gone/x");
        List<String> all = new ArrayList<>(expected.keySet());
        all.addAll(List.of("./bin", "./data", "./dev", "./other", "./implicit/deep", "./x\ufffdy", "./l",
                "./l/" + "d".repeat(120), "./" + TestTree.LONG_DIR));
        if (format.equals("cpio") && tool.equals("bsdtar")) {
            all.add("./sock");
        }
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(all);
        assertThat(Files.readAllBytes(dir.resolve("data/a"))).isEqualTo(TestTree.BIG);
        assertThat(Files.readString(dir.resolve("replaced"))).isEqualTo("second");
        assertThat(Files.readSymbolicLink(dir.resolve("longlnk")).toString()).isEqualTo(TestTree.LONG_TARGET);
        String inodes = Tools.checkIn(dir, "stat", "-c", "%i", "data/a", "data/b", "other/c");
        assertThat(inodes.lines().distinct()).hasSize(1);
        // The non-UTF-8 name came through byte for byte.
        String names = Tools.checkIn(dir, "ls", "-1", "--quoting-style=escape");
        assertThat(names).contains("x\\377y");
        if (format.equals("tar")) {
            String caps = Tools.checkIn(dir, "getfattr", "-h", "-d", "-m", "-", "-e", "hex", "bin/prog");
            assertThat(caps).contains("security.capability=0x" + HexFormat.of().formatHex(TestTree.CAPABILITY));
            assertThat(Tools.checkIn(dir, "getfattr", "-n", "user.comment", "--only-values", "etc/hostname")).isEqualTo("hello");
        }
    }

    @Test
    void cpioIsNewcWithSharedInodeAndDataOnTheLastLink() throws Exception {
        Tools.assumeTools("cpio");
        Path archive = write("cpio", Compression.GZIP);
        byte[] raw = Tools.check("sh", "-c", "gzip -dc " + archive + " | od -An -c -N6").getBytes();
        assertThat(new String(raw, StandardCharsets.UTF_8).replace(" ", "")).startsWith("070701");
        String listing = Tools.check("sh", "-c", "gzip -dc " + archive + " | cpio -itv --quiet");
        // Three names of data/a: the same link count on each, data on the last one only.
        List<String> links = listing.lines().filter(l -> l.endsWith(" data/a") || l.endsWith(" data/b")
                || l.endsWith(" other/c")).toList();
        assertThat(links).hasSize(3);
        assertThat(links).allMatch(l -> l.matches("-rw-r-----\\s+3\\s+100000\\s+3000000\\s.*"));
        assertThat(links.get(0)).contains(" 0 ");
        assertThat(links.get(2)).contains(" 200000 ");
        assertThat(listing).containsPattern("crw-------\\s+1\\s+\\S+\\s+\\S+\\s+4, 300 ");
        String bsd = Tools.check("bsdtar", "-tvf", archive.toString());
        assertThat(bsd).contains("other/c").contains("dev/sda").contains("sock");
    }

    @Test
    void tarListingShowsXattrsAndLinks() throws Exception {
        Tools.assumeTools("tar");
        Path archive = write("tar", Compression.ZSTD);
        String listing = Tools.check("tar", "--zstd", "--xattrs", "--xattrs-include=*", "-tvvf", archive.toString());
        assertThat(listing).contains("bin/prog").contains("x: 20 security.capability")
                .contains("other/c link to data/a").contains("lnk -> etc/hostname").contains("./")
                .contains(TestTree.LONG_FILE).doesNotContain("sock");
    }

    @Test
    void droppedXattrsAreListed() throws Exception {
        try (SpooledTree tree = new SpooledTree(tmp, 0)) {
            TestTree.feed(tree);
            assertThat(CpioWriter.filesWithXattrs(tree)).containsExactly(
                    "/bin/prog (security.capability)", "/etc/hostname (user.comment)");
        }
    }

    @Test
    void sameTreeGivesSameBytes() throws Exception {
        byte[] first = Files.readAllBytes(write("cpio", Compression.ZSTD));
        assertThat(Files.readAllBytes(write("cpio", Compression.ZSTD))).isEqualTo(first);
        byte[] tar = Files.readAllBytes(write("tar", Compression.GZIP));
        assertThat(Files.readAllBytes(write("tar", Compression.GZIP))).isEqualTo(tar);
    }

    private static String withoutMtime(String line) {
        String[] f = line.split("\\|");
        f[5] = "*";
        return String.join("|", f);
    }

    /** stat of every path below dir, keyed by "./path", in the format of TestTree.expectedStat. */
    private static Map<String, String> stat(Path dir) throws Exception {
        String out = Tools.checkIn(dir, "sh", "-c",
                "find . -mindepth 1 -exec stat --printf '%n|%F|%a|%u|%g|%s|%.9Y|%t:%T|%h\\n' {} +");
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split("\\|", 2);
            String rest = f[1];
            if (rest.startsWith("directory")) {
                String[] g = rest.split("\\|");
                g[4] = "-";
                rest = String.join("|", g);
            }
            m.put(f[0], rest);
        }
        return m;
    }

    @SuppressWarnings("unused")
    private static List<String> lines(String s) {
        return new ArrayList<>(s.lines().toList());
    }
}
