package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.guest.GuestConfig;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import dev.kiln.testing.TreeListing;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code kiln build --bare} through the real CLI: the image holds the source's tree exactly, and
 * nothing but the filesystem's lost+found beside it. The trees are compared by GNU tar's listings
 * and by a byte-exact listing of extractions (content, modes, owners, times, hard links, xattrs);
 * the image itself by e2fsck and debugfs.
 */
class BareBuildCliTest {
    @TempDir
    Path dir;
    Path source;
    Path sourceTar;

    @BeforeEach
    void sourceTree() {
        Tools.assumeTools("tar", "e2fsck", "debugfs", "python3", "setfattr");
        Tools.assumeRoot();   // owners other than root's, a device node, extraction with owners
        source = dir.resolve("root");
        sourceTar = dir.resolve("source.tar");
        Tools.sh("set -e; r=" + source + "; mkdir -p $r/etc/app $r/usr/bin $r/private $r/empty"
                + "; echo hello > $r/etc/hello; : > $r/etc/empty; printf 'x%.0s' $(seq 1 70000) > $r/usr/bin/big"
                + "; chmod 4755 $r/usr/bin/big; ln $r/usr/bin/big $r/usr/bin/big-link; ln -s ../etc/hello $r/usr/hi"
                + "; echo secret > $r/private/key; chown -R 1234:5678 $r/private; chmod 0700 $r/private"
                + "; mkfifo $r/etc/app/fifo; mknod $r/etc/app/null c 1 3; setfattr -n user.note -v kept $r/etc/hello"
                + "; touch -d @1000000000 $r/etc/hello $r/etc/app $r/private/key; chmod 0750 $r"
                + "; tar -C $r --xattrs --numeric-owner -cf " + sourceTar + " .");
    }

    private void build(String... args) {
        ErrorReportingTest.Captured c = ErrorReportingTest.run(args);
        assertThat(c.exit()).as(c.err()).isZero();
    }

    @Test
    void theImageIsTheSourceTreeExactlyPlusLostAndFound() throws IOException {
        Path image = dir.resolve("bare.ext4");
        Path direct = dir.resolve("direct.tar");
        build("build", "-q", "--bare", "tar:" + sourceTar, "-o", image.toString(), "--format", "tar=" + direct);
        Ext4Image.assertClean(image);

        // debugfs, not Kiln, reads the root directory: the source's names and lost+found, nothing else
        List<String> root = new ArrayList<>(Ext4Image.debugfs(image, "ls -p /").lines()
                .filter(l -> !l.isBlank()).map(l -> l.split("/")[5]).filter(n -> !n.equals(".") && !n.equals(".."))
                .sorted().toList());
        assertThat(root).containsExactly("empty", "etc", "lost+found", "private", "usr");
        Ext4Image.assertAbsent(image, "/etc/kiln");
        Ext4Image.assertAbsent(image, "/sbin");

        // the image read back (the ext4: source, which leaves out the empty lost+found every ext4 has) as a
        // tar: GNU tar lists what it listed for the source, the root directory's mode and time included
        Path back = dir.resolve("back.tar");
        build("build", "-q", "--bare", "ext4:" + image, "-o", back.toString());
        assertThat(tarListing(back)).isEqualTo(tarListing(sourceTar));
        assertThat(tarListing(direct)).isEqualTo(tarListing(sourceTar));

        // and byte for byte, with owners, times, hard links and xattrs, once extracted by GNU tar
        List<String> expected = TreeListing.of(source);
        TreeListing.assertSame(TreeListing.of(extract(back)), expected);
        TreeListing.assertSame(TreeListing.of(extract(direct)), expected);
    }

    @Test
    void withoutBareKilnAddsItsFiles() {
        // the check above can fail: the same comparison sees what a normal build adds
        Path back = dir.resolve("normal.tar");
        build("build", "-q", "--init", "none", "tar:" + sourceTar, "-o", back.toString());
        assertThat(tarListing(back)).anyMatch(l -> l.endsWith(" etc/kiln/image.json"))
                .anyMatch(l -> l.endsWith(" etc/kiln/init.conf")).isNotEqualTo(tarListing(sourceTar));
    }

    @Test
    void theSpecFileKeyIsTheFlag() throws IOException {
        Path spec = Files.writeString(dir.resolve("kiln.yaml"), "image: tar:" + sourceTar + "\nbare: true\n"
                + "outputs:\n  - path: " + dir.resolve("spec.tar") + "\n");
        build("build", "-q", "-f", spec.toString());
        assertThat(tarListing(dir.resolve("spec.tar"))).isEqualTo(tarListing(sourceTar));
    }

    @Test
    void optionsThatAddSomethingAreRefusedNamingTheOption() throws IOException {
        String src = "tar:" + sourceTar;
        String out = dir.resolve("x.ext4").toString();
        Path agent = Files.writeString(dir.resolve("agent"), "#!/bin/sh\n");
        assertThat(refused("build", "--bare", src, "-o", out, "--agent", agent.toString()))
                .isEqualTo("kiln: --agent " + agent + ": not with --bare, which adds nothing to the source's tree\n");
        assertThat(refused("build", "--bare", src, "-o", out, "--init", "kiln"))
                .isEqualTo("kiln: --init kiln: not with --bare, which adds no init; leave it out or give none\n");
        assertThat(refused("build", "--bare", src, "-o", out, "--run", "true"))
                .isEqualTo("kiln: --run true: not with --bare, which adds nothing to the source's tree\n");
        assertThat(refused("build", "--bare", src, "--format", "initramfs=" + dir.resolve("x.cpio.gz")))
                .startsWith("kiln: --format initramfs=" + dir.resolve("x.cpio.gz") + ": ")
                .endsWith("a initramfs output adds /init, and --bare adds nothing; write ext4, qcow2 or tar\n");
        Path spec = Files.writeString(dir.resolve("bad.yaml"), "image: " + src + "\nbare: true\nhostname: box\n"
                + "outputs:\n  - path: " + out + "\n");
        assertThat(refused("build", "-f", spec.toString()))
                .isEqualTo("kiln: " + spec + ":3: hostname: not with bare, which adds nothing to the source's tree\n");
        assertThat(dir.resolve("x.ext4")).doesNotExist();
        // --init none says the same as --bare about init: allowed
        build("build", "-q", "--bare", "--init", "none", src, "-o", out);
        assertThat(dir.resolve("x.ext4")).exists();
    }

    @Test
    void aBareGuestConfigRefusesAdditionsForLibraryCallersToo() {
        assertThatThrownBy(() -> GuestConfig.builder().bare(true).hostname("box").build())
                .isInstanceOf(KilnException.class)
                .hasMessage("bare: a bare build adds nothing to the source's tree, so it cannot have a hostname");
        assertThatThrownBy(() -> GuestConfig.builder().bare(true).init(GuestConfig.InitMode.KILN).build())
                .hasMessageEndingWith("cannot have init kiln");
    }

    private static String refused(String... args) {
        ErrorReportingTest.Captured c = ErrorReportingTest.run(args);
        assertThat(c.exit()).as(c.err()).isNotZero();
        return c.err();
    }

    private Path extract(Path tar) throws IOException {
        Path to = Files.createDirectories(dir.resolve("x-" + tar.getFileName()));
        Tools.check("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--same-owner", "-xpf",
                tar.toString(), "-C", to.toString());
        return to;
    }

    /**
     * GNU tar's verbose listing, sorted, without "./" prefixes (Kiln writes none). Which name of a hard-linked file comes first is the writer's choice, so a link
     * line reads as a file line without the size; sizes and link groups are compared by the
     * extractions' listing.
     */
    private static List<String> tarListing(Path tar) {
        return Tools.check("tar", "--numeric-owner", "--full-time", "-tvf", tar.toString()).lines()
                // GNU tar pads its columns to the widest value seen so far: the spacing says nothing
                .map(l -> l.replaceAll(" +", " ").replace(" ./", " ").replaceAll(" link to .*$", ""))
                .map(l -> l.matches("[-h].*") ? "-" + l.substring(1).replaceFirst("^(\\S+ \\S+) \\d+ ", "$1 ") : l)
                .sorted().toList();
    }
}
