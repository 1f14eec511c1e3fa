package dev.kiln.cli;

import dev.kiln.build.BuildRequest;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What may sit at an output path: only nothing or a regular file is replaced; device nodes,
 * FIFOs, symlinks and directories are refused before the source is even opened. {@code -}
 * is standard output for tar and initramfs only, and a dir: source may not hold the outputs.
 */
class OutputTargetsTest {
    @TempDir
    Path dir;
    Path tar;

    @BeforeEach
    void rootfsTar() {
        Tools.assumeTools("tar");
        Path root = dir.resolve("root");
        Tools.sh("mkdir -p " + root + "/etc && echo hello > " + root + "/etc/hello && tar -C " + root
                + " --numeric-owner -cf " + dir.resolve("rootfs.tar") + " .");
        tar = dir.resolve("rootfs.tar");
    }

    /** The source does not exist: a failure about the target proves the target was checked first. */
    private ErrorReportingTest.Captured buildFromNothing(String... outputArgs) {
        List<String> args = new java.util.ArrayList<>(List.of("build", "-q", "tar:" + dir.resolve("no-such.tar")));
        args.addAll(List.of(outputArgs));
        return ErrorReportingTest.run(args.toArray(String[]::new));
    }

    private void assertRefused(ErrorReportingTest.Captured c, Path target, String what) {
        assertThat(c.exit()).isEqualTo(1);
        assertThat(c.err()).startsWith("kiln: " + target + ": is " + what).contains("regular file")
                .doesNotContain("no-such.tar");
        assertThat(c.err().lines().count()).isEqualTo(1);
    }

    @Test
    void aFifoIsNeverReplacedNorOpened() throws Exception {
        Path fifo = dir.resolve("pipe");
        Tools.check("mkfifo", fifo.toString());
        assertRefused(buildFromNothing("-o", fifo.toString()), fifo, "a FIFO");
        assertRefused(buildFromNothing("--format", "tar=" + fifo), fifo, "a FIFO");
        assertThat(Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS)).matches(m -> ((Integer) m & 0170000) == 0010000);
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().contains(".kiln-"));
    }

    @Test
    void aSymlinkIsNeitherReplacedNorFollowed() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path link = Files.createSymbolicLink(dir.resolve("rootfs.ext4"), victim);
        assertRefused(buildFromNothing("-o", link.toString()), link, "a symbolic link");
        Path dangling = Files.createSymbolicLink(dir.resolve("out.qcow2"), dir.resolve("nowhere"));
        assertRefused(buildFromNothing("--format", "qcow2=" + dangling), dangling, "a symbolic link");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(victim).hasContent("precious");
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }

    @Test
    void aDeviceNodeIsNeverReplaced() throws Exception {
        Assumptions.assumeTrue(Tools.isRoot(), "mknod needs root");
        Path null2 = dir.resolve("null2");
        Tools.check("mknod", null2.toString(), "c", "1", "3");
        assertRefused(buildFromNothing("-o", null2.toString()), null2, "a character device");
        assertRefused(buildFromNothing("--format", "initramfs=" + null2), null2, "a character device");
        assertThat(Files.isRegularFile(null2, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(null2, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void aDirectoryIsNotAFileOutputAndAKernelInitrdTargetMustBeADirectory() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        assertRefused(buildFromNothing("-o", sub.toString()), sub, "a directory");
        Path file = Files.writeString(dir.resolve("boot"), "x");
        ErrorReportingTest.Captured c = buildFromNothing("--format", "kernel+initrd=" + file);
        assertThat(c.err()).startsWith("kiln: " + file + ": is a regular file, not a directory Kiln wrote");
        assertThat(file).hasContent("x");
    }

    @Test
    void aRegularFileIsReplacedAsBefore() throws Exception {
        Path out = Files.writeString(dir.resolve("rootfs.tar.out"), "old");
        ErrorReportingTest.Captured c = ErrorReportingTest.run("build", "-q", "tar:" + tar, "--format", "tar=" + out);
        assertThat(c.exit()).as(c.err()).isZero();
        assertThat(Tools.check("tar", "-tf", out.toString())).contains("etc/hello");
    }

    @Test
    void standardOutputIsOnlyForTarAndInitramfsAndOnlyOnce() {
        for (String[] args : List.of(new String[] {"-o", "-"}, new String[] {"--format", "qcow2=-"},
                new String[] {"--format", "ext4=-"}, new String[] {"--format", "kernel+initrd=-"})) {
            ErrorReportingTest.Captured c = buildFromNothing(args);
            assertThat(c.exit()).isEqualTo(1);
            assertThat(c.err()).startsWith("kiln: -: standard output can take only tar or initramfs");
        }
        ErrorReportingTest.Captured c = buildFromNothing("--format", "tar=-", "--format", "initramfs=-");
        assertThat(c.err()).startsWith("kiln: -: named by two outputs (tar and initramfs)");
        assertThat(dir.resolve("-")).doesNotExist();
        assertThat(Path.of("-")).doesNotExist();
    }

    /** As gzip refuses to: an image's bytes on a terminal garble it; redirected, the same command works (below). */
    @Test
    void aTerminalAsStandardOutputIsRefused() {
        Tools.assumeTools("script");
        String kiln = KilnProcess.command("build", "-q", "tar:" + tar, "--format", "tar=-").stream()
                .map(a -> "'" + a.replace("'", "'\\''") + "'").collect(java.util.stream.Collectors.joining(" "));
        // script(1) runs the command on a new pseudo-terminal and copies what it shows to its stdout
        Tools.Result r = Tools.run(List.of("script", "-qec", kiln, "/dev/null"), dir, new byte[0], 120);
        assertThat(r.exitCode()).as(r.stdout()).isEqualTo(1);
        assertThat(r.stdout().strip()).isEqualTo("kiln: -: standard output is a terminal, and the tar output is binary;"
                + " redirect it to a file or a pipe");
    }

    @Test
    void tarAndInitramfsStreamToStandardOutputWithProgressOnStandardError() throws Exception {
        Tools.assumeTools("cpio", "gzip");
        Path ext4 = dir.resolve("also.ext4");
        Path tarOut = dir.resolve("stdout.tar");
        Path err = dir.resolve("stderr.txt");
        Process p = KilnProcess.builder("build", "tar:" + tar, "-o", ext4.toString(), "--format", "tar=-")
                .redirectOutput(tarOut.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Tools.check("tar", "-tvf", tarOut.toString())).contains("etc/hello").contains("etc/kiln/image.json");
        assertThat(Files.readString(err)).contains("kiln: wrote tar to standard output").contains("kiln: wrote " + ext4);
        assertThat(ext4).isRegularFile();
        assertThat(dir.resolve("-")).doesNotExist();

        Path cpio = dir.resolve("stdout.cpio.gz");
        Process q = KilnProcess.builder("build", "-q", "tar:" + tar, "--format", "initramfs=-", "--init", "kiln")
                .redirectOutput(cpio.toFile()).redirectError(err.toFile()).start();
        assertThat(q.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(q.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(err)).isEmpty();
        assertThat(Tools.sh("gzip -dc " + cpio + " | cpio -t 2>/dev/null")).contains("etc/hello").contains("init");
    }

    @Test
    void aSpecFileNamesStandardOutputAsDashToo() throws Exception {
        Path spec = Files.writeString(dir.resolve("kiln.yaml"), "image: tar:rootfs.tar\noutputs:\n"
                + "  - {format: tar, path: \"-\"}\n  - {format: ext4, path: out.ext4}\n");
        BuildRequest request = SpecFile.read(spec).toOptions(0, null).build().request();
        assertThat(request.plan().stdout()).hasValueSatisfying(o -> assertThat(o.format()).hasToString("tar"));
        assertThat(request.plan().outputs().get(1).path()).isEqualTo(dir.resolve("out.ext4"));
        assertThat(request.plan().scratchDirectory()).isEqualTo(dir);
    }

    @Test
    void aFullStandardOutputIsNamed() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full");
        Path err = dir.resolve("stderr.txt");
        Process p = KilnProcess.builder("build", "-q", "tar:" + tar, "--format", "tar=-")
                .redirectOutput(new java.io.File("/dev/full")).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(Files.readString(err)).isEqualTo("kiln: standard output: no space left on device\n");
    }

    @Test
    void aFullDiskIsNamedByItsPath() throws Exception {
        Assumptions.assumeTrue(Tools.isRoot(), "mounting a small tmpfs needs root");
        Path small = Files.createDirectories(dir.resolve("small"));
        Tools.check("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString());
        try {
            Tools.sh("head -c 3000000 /dev/urandom > " + dir.resolve("root/big") + " && tar -C " + dir.resolve("root")
                    + " -cf " + dir.resolve("big.tar") + " .");
            ErrorReportingTest.Captured c = ErrorReportingTest.run("build", "-q", "tar:" + dir.resolve("big.tar"),
                    "-o", small.resolve("x.ext4").toString(), "--size", "8M");
            assertThat(c.err()).isEqualTo("kiln: " + small + ": no space left on device\n");
            c = ErrorReportingTest.run("build", "-q", "tar:" + dir.resolve("big.tar"), "-o",
                    dir.resolve("x.ext4").toString(), "--format", "tar=" + small.resolve("x.tar"));
            assertThat(c.err()).startsWith("kiln: ").contains(small.toString()).endsWith(": no space left on device\n");
            try (var files = Files.list(small)) {
                assertThat(files).isEmpty();
            }
            assertThat(dir.resolve("x.ext4")).doesNotExist();
        } finally {
            Tools.check("umount", small.toString());
        }
    }

    @Test
    void aDirSourceMayNotHoldTheOutputs() throws Exception {
        Path src = dir.resolve("root");
        Path inside = src.resolve("out.ext4");
        ErrorReportingTest.Captured c = ErrorReportingTest.run("build", "-q", "dir:" + src, "-o", inside.toString());
        assertThat(c.exit()).isEqualTo(1);
        assertThat(c.err()).startsWith("kiln: " + inside + ": inside the source dir:" + src);
        Path deeper = Files.createDirectories(src.resolve("a/b")).resolve("x.tar");
        Path link = Files.createSymbolicLink(dir.resolve("into-src"), src.resolve("a"));
        c = ErrorReportingTest.run("build", "-q", "dir:" + src, "-o", dir.resolve("fine.ext4").toString(),
                "--format", "tar=" + link.resolve("x.tar"));
        assertThat(c.err()).startsWith("kiln: " + link.resolve("x.tar") + ": inside the source dir:" + src);
        c = ErrorReportingTest.run("build", "-q", "dir:" + src, "--format", "tar=" + deeper);
        assertThat(c.err()).contains("inside the source");
        try (var files = Files.walk(src)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.contains("kiln") || n.endsWith(".ext4"));
        }
        assertThat(dir.resolve("fine.ext4")).doesNotExist();
        c = ErrorReportingTest.run("build", "-q", "dir:" + src, "-o", dir.resolve("fine.ext4").toString());
        assertThat(c.exit()).as(c.err()).isZero();
    }

    @Test
    void ioFailuresSayWhatHappenedInWords() throws IOException {
        Path missing = dir.resolve("gone/x.ext4");
        ErrorReportingTest.Captured c = ErrorReportingTest.run("build", "-q", "tar:" + tar, "-o", missing.toString());
        assertThat(c.err()).isEqualTo("kiln: " + missing + ": directory " + missing.getParent() + " does not exist\n");
        Path file = Files.writeString(dir.resolve("plain"), "x");
        c = ErrorReportingTest.run("build", "-q", "tar:" + tar, "-o", file.resolve("x.ext4").toString());
        assertThat(c.err()).isEqualTo("kiln: " + file.resolve("x.ext4") + ": " + file + " is not a directory\n");
        Path specDir = Files.createDirectories(dir.resolve("spec.yaml"));
        c = ErrorReportingTest.run("build", "-f", specDir.toString());
        assertThat(c.err()).isEqualTo("kiln: " + specDir + ": is a directory, not a spec file\n");
        Path ca = dir.resolve("no-such-ca.pem");
        c = ErrorReportingTest.run("build", "-q", "127.0.0.1:9/app:1", "--ca-cert", ca.toString(), "-o",
                dir.resolve("r.ext4").toString());
        assertThat(c.err()).isEqualTo("kiln: " + ca + ": cannot load CA certificate: no such file or directory\n");
        c = ErrorReportingTest.run("build", "-q", "tar:" + tar, "-o", "/proc/kiln-test.ext4");
        // the reason, not the name of Kiln's own lock file it failed on
        assertThat(c.err()).matches("kiln: /proc/kiln-test\\.ext4: cannot create files in /proc "
                + "\\((no such file or directory|permission denied|read-only file system)\\)\n");
        Path layout = Files.createDirectories(dir.resolve("layout/index.json")).getParent();
        c = ErrorReportingTest.run("build", "-q", "oci:" + layout, "-o", dir.resolve("o.ext4").toString());
        assertThat(c.err()).startsWith("kiln: " + layout.resolve("index.json") + ": ").doesNotContain("Is a directory")
                .contains("is a directory");
    }

    @Test
    void theJdksFileExceptionsBecomeWords() {
        assertThat(ErrorHandler.describe(new java.nio.file.NoSuchFileException("x")))
                .isEqualTo("x: no such file or directory");
        assertThat(ErrorHandler.describe(new java.nio.file.FileAlreadyExistsException("/o")))
                .isEqualTo("/o: already exists");
        assertThat(ErrorHandler.describe(new java.nio.file.NotDirectoryException("/a/b")))
                .isEqualTo("/a/b: not a directory");
        assertThat(ErrorHandler.describe(new java.nio.file.FileSystemException("/a", null, "Is a directory")))
                .isEqualTo("/a: is a directory");
        assertThat(ErrorHandler.describe(new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("x"))))
                .isEqualTo("x: no such file or directory");
        assertThat(ErrorHandler.describe(new dev.kiln.KilnException("/out", new java.io.IOException("No space left on device"))))
                .isEqualTo("/out: no space left on device");
        assertThat(ErrorHandler.describe(new RuntimeException(new java.nio.file.AccessDeniedException("/root/x"))))
                .isEqualTo("/root/x: permission denied");
        assertThat(ErrorHandler.describe(new NullPointerException())).doesNotContain("NullPointer").contains("--debug");
    }
}
