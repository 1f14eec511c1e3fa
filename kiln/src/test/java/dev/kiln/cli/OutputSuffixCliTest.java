package dev.kiln.cli;

import dev.kiln.build.BuildRequest;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code kiln build X -o NAME} through the real CLI: the name's suffix picks the format, and
 * each file is what its own tools say it is (qemu-img, file, cpio, tar), with nothing else
 * written beside it.
 */
class OutputSuffixCliTest {
    @TempDir
    Path dir;
    Path tar;
    Path out;

    @BeforeEach
    void rootfsTar() throws IOException {
        Tools.assumeTools("tar", "file");
        Path root = dir.resolve("root");
        Tools.sh("mkdir -p " + root + "/etc && echo hello > " + root + "/etc/hello && tar -C " + root
                + " --numeric-owner -cf " + dir.resolve("rootfs.tar") + " .");
        tar = dir.resolve("rootfs.tar");
        out = Files.createDirectories(dir.resolve("out"));
    }

    private void build(String... outputArgs) {
        String[] args = new String[outputArgs.length + 5];
        System.arraycopy(new String[] {"build", "-q", "tar:" + tar, "--init", "kiln"}, 0, args, 0, 5);
        System.arraycopy(outputArgs, 0, args, 5, outputArgs.length);
        ErrorReportingTest.Captured c = ErrorReportingTest.run(args);
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(c.err()).isEmpty();
    }

    private String onlyFile() throws IOException {
        try (var files = Files.list(out)) {
            return files.map(p -> p.getFileName().toString()).reduce((a, b) -> a + ", " + b).orElse("");
        }
    }

    @ParameterizedTest
    @CsvSource({"rootfs.ext4", "rootfs.img", "rootfs.raw", "rootfs"})
    void ext4(String name) throws IOException {
        build("-o", out.resolve(name).toString());
        assertThat(onlyFile()).isEqualTo(name);
        assertThat(Tools.check("file", out.resolve(name).toString())).contains("ext4 filesystem data");
        if (Tools.available("e2fsck")) {
            Tools.check("e2fsck", "-fn", out.resolve(name).toString());
        }
    }

    @Test
    void qcow2() throws IOException {
        Tools.assumeTools("qemu-img");
        Path image = out.resolve("rootfs.qcow2");
        build("-o", image.toString());
        // Not a raw ext4 named .qcow2 with the qcow2 beside it as rootfs.qcow2.qcow2.
        assertThat(onlyFile()).isEqualTo("rootfs.qcow2");
        assertThat(Tools.check("qemu-img", "info", image.toString())).contains("file format: qcow2");
        assertThat(Tools.check("qemu-img", "check", image.toString())).contains("No errors were found");
        assertThat(Tools.check("file", image.toString())).contains("QEMU QCOW Image (v3)");
    }

    @ParameterizedTest
    @CsvSource({"rootfs.cpio, cat, ASCII cpio archive", "rootfs.cpio.gz, gzip -dc, gzip compressed data",
            "rootfs.cpio.zst, zstd -dc, Zstandard compressed data"})
    void initramfs(String name, String decompress, String kind) throws IOException {
        Tools.assumeTools("cpio", "gzip", "zstd");
        Path archive = out.resolve(name);
        build("-o", archive.toString());
        assertThat(onlyFile()).isEqualTo(name);
        assertThat(Tools.check("file", archive.toString())).contains(kind);
        assertThat(Tools.sh(decompress + " " + archive + " | cpio -t --quiet").lines())
                .contains("etc/hello", "init", "sbin/init");
    }

    @ParameterizedTest
    @CsvSource({"rootfs.tar, POSIX tar archive", "rootfs.tar.gz, gzip compressed data",
            "rootfs.tar.zst, Zstandard compressed data"})
    void tar(String name, String kind) throws IOException {
        Tools.assumeTools("zstd");
        Path archive = out.resolve(name);
        build("-o", archive.toString());
        assertThat(onlyFile()).isEqualTo(name);
        assertThat(Tools.check("file", archive.toString())).contains(kind);
        assertThat(Tools.check("tar", "-tf", archive.toString()).lines()).contains("etc/hello", "sbin/init");
    }

    @Test
    void aFormatThatAgreesWithTheNameIsTheSameOutput() throws IOException {
        Tools.assumeTools("cpio", "gzip");
        Path archive = out.resolve("x.cpio.gz");
        build("-o", archive.toString(), "--format", "initramfs");
        assertThat(onlyFile()).isEqualTo("x.cpio.gz");
        assertThat(Tools.sh("gzip -dc " + archive + " | cpio -t --quiet").lines()).contains("etc/hello");
    }

    @Test
    void aNameThatContradictsTheFormatIsRefusedBeforeAnythingIsRead() {
        ErrorReportingTest.Captured c = ErrorReportingTest.run("build", "-q", "tar:" + dir.resolve("no-such.tar"),
                "--format", "tar=" + out.resolve("x.qcow2"));
        assertThat(c.exit()).isEqualTo(1);
        assertThat(c.err()).isEqualTo("kiln: " + out.resolve("x.qcow2") + ": named as a qcow2 output (.qcow2), but "
                + "the format asked for is tar; name it x.tar or ask for qcow2\n");
    }

    @Test
    void aSpecFileOutputWithoutAFormatIsNamedByItsSuffixToo() throws Exception {
        Path spec = Files.writeString(dir.resolve("kiln.yaml"), "image: tar:rootfs.tar\noutputs:\n"
                + "  - {path: out/r.qcow2}\n  - {path: out/r.cpio.zst}\n  - {path: out/r}\n"
                + "  - {format: tar, path: out/t.tar.gz}\n");
        BuildRequest request = SpecFile.read(spec).toOptions(0, null).build().request();
        assertThat(request.plan().outputs()).extracting(o -> o.format() + " " + o.compression()).containsExactly(
                "qcow2 null", "initramfs zstd", "ext4 null", "tar gzip");

        Path wrong = Files.writeString(dir.resolve("wrong.yaml"), "image: tar:rootfs.tar\noutputs:\n"
                + "  - {format: tar, path: out/r.qcow2}\n");
        assertThatThrownBy(() -> SpecFile.read(wrong).toOptions(0, null).build())
                .hasMessageStartingWith(out.resolve("r.qcow2") + ": named as a qcow2 output");
    }

    @Test
    void dashIsStandardOutputForTheFormatGiven() throws Exception {
        Path streamed = dir.resolve("streamed.tar");
        Path err = dir.resolve("stderr.txt");
        Process p = KilnProcess.builder("build", "tar:" + tar, "-o", "-", "--format", "tar")
                .redirectOutput(streamed.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Tools.check("tar", "-tf", streamed.toString()).lines()).contains("etc/hello");
        // Not a terminal: no progress drawn, only the summary, and on standard error.
        assertThat(Files.readString(err)).isEqualTo("kiln: wrote tar to standard output\n");
        assertThat(onlyFile()).isEmpty();
    }
}
