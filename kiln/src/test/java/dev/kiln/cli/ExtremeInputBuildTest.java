package dev.kiln.cli;

import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.PaxTar;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.BuildFromTarTest.build;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Issue 10, the ext4 limits and holes, through the CLI: a number ext4 cannot hold is one line
 * naming the path and the limit (and no output), a time is clamped with one warning, a hole
 * costs nothing in any output, and sizing options are checked before anything is read.
 */
class ExtremeInputBuildTest {
    private static final long PIB = 1L << 50;
    private static final long TIB = 1L << 40;

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        Tools.assumeTools("e2fsck", "debugfs", "tar");
    }

    /** Runs a build; returns its exit code and what it printed. */
    private record Run(int exit, String err) {
        List<String> lines() {
            return err.lines().toList();
        }
    }

    private Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> build(err, args));
        return new Run(exit, err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(Run r, String expected) {
        assertThat(r.exit()).as(r.err()).isNotZero();
        assertThat(r.lines()).as(r.err()).containsExactly("kiln: " + expected);
    }

    private Path pebibyteTar() {
        return new PaxTar().sparse("big", PIB, new PaxTar.Region(0, "head".getBytes()),
                new PaxTar.Region(PIB - 4, "tail".getBytes())).write(tmp.resolve("pib.tar"));
    }

    @Test
    void aPebibyteSparseFileIsRefusedForExt4AtOnce() throws IOException {
        Path tar = pebibyteTar();
        assertThat(Files.size(tar)).isLessThan(4096);
        Path image = tmp.resolve("out.ext4");
        Run r = run("tar:" + tar, "-o", image.toString(), "--init", "none", "-q");
        assertOneLineError(r, "big: file of 1125899906842624 bytes is larger than ext4's maximum of 17592186040320"
                + " bytes (16 TiB - 4 KiB)");
        assertThat(image).doesNotExist();
    }

    @Test
    void aPebibyteSparseFileBecomesASparseTarAtOnceAndIsRefusedByCpio() throws IOException {
        Path tar = pebibyteTar();
        Path out = tmp.resolve("out.tar");
        Run ok = run("tar:" + tar, "--format", "tar=" + out, "--init", "none", "-q");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(Files.size(out)).isLessThan(64 * 1024);
        assertThat(Tools.check("tar", "-tvf", out.toString())).containsPattern(" " + PIB + " .* big\\n");
        Path cpio = tmp.resolve("out.cpio.gz");
        Run refused = run("tar:" + tar, "--format", "initramfs=" + cpio, "--init", "kiln", "-q");
        assertOneLineError(refused, "big: 1125899906842624 bytes is too large for a cpio (newc) archive, whose limit"
                + " is 4 GiB - 1");
        assertThat(cpio).doesNotExist();
    }

    @Test
    void severalTebibytesOfHolesBuildToExt4AndTarAtOnce() {
        Path tar = new PaxTar().sparse("data/sparse", 5 * TIB, new PaxTar.Region(1000, "x".repeat(5000).getBytes()),
                new PaxTar.Region(4 * TIB, "y".getBytes())).write(tmp.resolve("tib.tar"));
        Path image = tmp.resolve("out.ext4");
        Path out = tmp.resolve("out.tar");
        Run r = run("tar:" + tar, "-o", image.toString(), "--format", "tar=" + out, "--init", "none", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /data/sparse")).contains("Size: " + 5 * TIB)
                .contains("Blockcount: 24"); // two 4 KiB blocks for the x's, one for the y
        assertThat(Tools.check("tar", "-tvf", out.toString())).containsPattern(" " + 5 * TIB + " .* data/sparse\\n");
    }

    @Test
    void idsPastThirtyTwoBitsAreRefusedByEveryOutput() {
        Path tar = new PaxTar().file("etc/f", "x".getBytes(), Map.of("uid", "4294967296"))
                .write(tmp.resolve("uid.tar"));
        Run r = run("tar:" + tar, "-o", tmp.resolve("out.ext4").toString(), "--init", "none", "-q");
        assertOneLineError(r, "etc/f: uid 4294967296 is beyond ext4's limit of 4294967295");
        assertThatThrownBy(() -> pipeline("tar:" + tar, "-o", tmp.resolve("p.ext4").toString(), "--init", "none"))
                .as("a library caller can catch the writer's refusal as the one user error type")
                .isInstanceOf(dev.kiln.KilnException.class).hasMessage("etc/f: uid 4294967296 is beyond ext4's "
                        + "limit of 4294967295");
        Path gidTar = new PaxTar().file("g", "x".getBytes(), Map.of("gid", "18446744073")).write(tmp.resolve("gid.tar"));
        assertOneLineError(run("tar:" + gidTar, "-o", tmp.resolve("g.ext4").toString(), "--init", "none", "-q"),
                "g: gid 18446744073 is beyond ext4's limit of 4294967295");
        // A pax record could carry it, but GNU tar refuses the record and extracts as root.
        Path out = tmp.resolve("out.tar");
        assertOneLineError(run("tar:" + tar, "--format", "tar=" + out, "--init", "none", "-q"),
                "etc/f: uid 4294967296 is beyond the 32-bit ids Linux has (0..4294967295)");
        assertThat(out).doesNotExist();
        Path cpio = tmp.resolve("out.cpio.gz");
        assertOneLineError(run("tar:" + tar, "--format", "initramfs=" + cpio, "--init", "kiln", "-q"),
                "etc/f: uid 4294967296 is beyond a cpio (newc) archive's limit of 4294967295");
    }

    @Test
    void deviceNumbersPastExt4sEncodingAreRefused() {
        Path ok = new PaxTar().device("dev/max", '3', 4095, 1048575, Map.of()).write(tmp.resolve("ok.tar"));
        Path image = tmp.resolve("ok.ext4");
        Run r = run("tar:" + ok, "-o", image.toString(), "--init", "none", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /dev/max")).contains("Device major/minor number: 4095:1048575");
        Path bad = new PaxTar().device("dev/big", '4', 4096, 0, Map.of()).write(tmp.resolve("bad.tar"));
        assertOneLineError(run("tar:" + bad, "-o", tmp.resolve("bad.ext4").toString(), "--init", "none", "-q"),
                "dev/big: device 4096:0 is beyond ext4's limits (major 0..4095, minor 0..1048575)");
    }

    @Test
    void timesOutsideExt4sRangeAreClampedWithOneWarning() {
        Path tar = new PaxTar()
                .file("ok", "a".getBytes(), Map.of("mtime", "1700000000.5"))
                .file("year-3000", "b".getBytes(), Map.of("mtime", "32503680000"))
                .file("year-1800", "c".getBytes(), Map.of("mtime", "-5364662400"))
                .directory("dir-3000", Map.of("mtime", "32503680000"))
                .write(tmp.resolve("times.tar"));
        Path image = tmp.resolve("times.ext4");
        Run r = run("tar:" + tar, "-o", image.toString(), "--init", "none", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).as(r.err()).hasSize(1);
        assertThat(r.lines().get(0)).matches("kiln: warning: 3 times outside ext4's range \\(1901-12-13 \\.\\. 2446-05-10\\)"
                + " clamped to it, as the kernel does; the first: (year-3000|year-1800|dir-3000)");
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /year-3000")).contains("mtime: 0x7fffffff:00000003");
        assertThat(Ext4Image.debugfs(image, "stat /dir-3000")).contains("mtime: 0x7fffffff:00000003");
        assertThat(Ext4Image.debugfs(image, "stat /year-1800")).contains("mtime: 0x80000000:00000000");
        assertThat(Ext4Image.debugfs(image, "stat /ok")).contains("mtime: 0x6553f100:77359400");
    }

    @Test
    void sizingOptionsAreCheckedBeforeTheSourceIsRead() {
        String missing = "tar:" + tmp.resolve("does-not-exist.tar");
        String out = tmp.resolve("out.ext4").toString();
        assertOneLineError(run(missing, "-o", out, "--inodes", "4292870145"),
                "--inodes 4292870145: must be 0..4292870144 (ext4 holds at most 32768 inodes per block group, and a"
                        + " 32-bit inode count)");
        assertOneLineError(run(missing, "-o", out, "--inodes", "4294967296"),
                "--inodes 4294967296: must be 0..4292870144 (ext4 holds at most 32768 inodes per block group, and a"
                        + " 32-bit inode count)");
        assertOneLineError(run(missing, "-o", out, "--size", "17T"),
                "--size 17T: larger than 16 TiB, the largest ext4 image Kiln writes (block numbers must fit 32 bits)");
        assertOneLineError(run(missing, "-o", out, "--headroom", "NaN"), "--headroom NaN: must be a percentage, 0 or more");
        assertOneLineError(run(missing, "-o", out, "--headroom", "-1"), "--headroom -1.0: must be a percentage, 0 or more");
        // At the limits, the options pass and the missing source is what fails.
        for (String[] fine : new String[][] {{"--inodes", "4292870144"}, {"--size", "16T"}, {"--headroom", "100000"}}) {
            Run r = run(missing, "-o", out, fine[0], fine[1]);
            assertThat(r.err()).as(String.join(" ", fine)).contains("does-not-exist.tar").doesNotContain(fine[0]);
        }
    }

    @Test
    void aSizeTooSmallOrAHeadroomTooLargeSaysWhatWouldBeNeeded() {
        Path tar = new PaxTar().file("f", new byte[100_000], Map.of()).write(tmp.resolve("f.tar"));
        Run tiny = run("tar:" + tar, "-o", tmp.resolve("a.ext4").toString(), "--size", "1", "--init", "none", "-q");
        assertThat(tiny.exit()).isNotZero();
        assertThat(tiny.lines()).hasSize(1);
        assertThat(tiny.lines().get(0)).matches("kiln: content does not fit: needs at least \\d+ MiB \\(--size is 1 bytes\\)");
        Run r = run("tar:" + tar, "-o", tmp.resolve("b.ext4").toString(), "--headroom", "10000", "--init", "none",
                "-q");
        assertThat(r.exit()).isNotZero();
        assertThat(r.lines()).hasSize(1);
        assertThat(r.lines().get(0)).startsWith("kiln: sized to fit, the image would be larger than 1 TiB")
                .contains("10000 % headroom").endsWith("give an exact --size (at most 16 TiB)");
        assertThat(tmp.resolve("b.ext4")).doesNotExist();
    }

    /** A tar whose deepest path has 6,000 components. */
    private Path deepTar() {
        PaxTar t = new PaxTar();
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < 6000; i++) {
            path.append(i == 0 ? "d" : "/d");
            t.directory(path.toString(), Map.of("path", path + "/"));
        }
        return t.file("leaf", "at the bottom\n".getBytes(), Map.of("path", path + "/leaf")).write(tmp.resolve("deep.tar"));
    }

    @Test
    void sixThousandLevelsBuildToExt4AndTarAndAreRefusedClearlyByInitramfs() {
        Path tar = deepTar();
        String leaf = "d/".repeat(6000) + "leaf";
        Path image = tmp.resolve("deep.ext4");
        Path out = tmp.resolve("deep.tar.out");
        Run r = run("tar:" + tar, "-o", image.toString(), "--format", "tar=" + out, "--init", "none", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "cat /" + leaf)).isEqualTo("at the bottom\n");
        assertThat(Tools.check("tar", "-tf", out.toString()).lines().filter(l -> l.endsWith("/leaf")).toList())
                .containsExactly(leaf);
        Run cpio = run("tar:" + tar, "--format", "initramfs=" + tmp.resolve("deep.cpio.gz"), "--init", "kiln", "-q");
        assertThat(cpio.exit()).isNotZero();
        assertThat(cpio.lines()).hasSize(1);
        assertThat(cpio.lines().get(0)).startsWith("kiln: d/d/d/").contains("...")
                // The first name over the kernel's limit is a directory on the way down.
                .endsWith(": a path of 4097 bytes is too long for an initramfs: the kernel skips names over 4095 bytes");
    }

    /** Runs a build as a library caller does: the pipeline, no error handler in between. */
    private static void pipeline(String... args) throws java.io.IOException {
        picocli.CommandLine.Model.CommandSpec spec = BuildCommand.commandSpec();
        new picocli.CommandLine(spec).parseArgs(args);
        dev.kiln.build.Kiln.build(((BuildCommand) spec.userObject()).resolvedSpec().toOptions(0, null).build());
    }
}
