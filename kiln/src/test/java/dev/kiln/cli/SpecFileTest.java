package dev.kiln.cli;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kiln.yaml: errors with lines, every key equal to its flag, --print-spec round trip. */
class SpecFileTest {
    @TempDir
    Path tmp;
    Path rootTar;

    record Run(int exit, String out, String err) {
    }

    static Run kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(args);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeEach
    void files() throws IOException {
        Files.writeString(tmp.resolve("agent.sh"), "#!/bin/sh\nsleep 1000\n");
        Files.writeString(tmp.resolve("boot.sh"), "#!/bin/sh\necho boot\n");
        Files.writeString(tmp.resolve("motd"), "hello\n");
        Files.writeString(tmp.resolve("vmlinuz"), "kernel bytes");
    }

    private void makeRootTar() throws IOException {
        Tools.assumeTools("tar");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        Path root = Files.createDirectories(tmp.resolve("root/bin"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
        Files.createSymbolicLink(root.resolve("sh"), Path.of("busybox"));
        Files.createDirectories(tmp.resolve("root/tmp"));
        rootTar = tmp.resolve("root.tar");
        Tools.check("tar", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@1600000000", "-C",
                tmp.resolve("root").toString(), "-cf", rootTar.toString(), ".");
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(tmp.resolve(name), yaml);
    }

    @Test
    void unknownKeyNamesKeyAndLine() throws IOException {
        Path spec = write("k.yaml", "image: tar:x.tar\nhostname: a\nfiles:\n  - path: /x\n    sorce: motd\n");
        Run r = kiln("build", "-f", spec.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("kiln: " + spec + ":5: files[0].sorce: unknown key; expected one of [");
    }

    @Test
    void topLevelTypoAndWrongTypes() throws IOException {
        assertThat(kiln("build", "-f", write("a.yaml", "image: x\nhostnme: a\n").toString()).err())
                .contains("a.yaml:2: hostnme: unknown key");
        assertThat(kiln("build", "-f", write("b.yaml", "image: x\njournal: maybe\n").toString()).err())
                .contains("b.yaml:2: journal: expected true or false, got 'maybe'");
        assertThat(kiln("build", "-f", write("c.yaml", "image: x\ndns:\n  - a: b\n").toString()).err())
                .contains("c.yaml:3: dns: expected a list of single values");
        assertThat(kiln("build", "-f", write("d.yaml", "image: x\ninodes: lots\n").toString()).err())
                .contains("d.yaml:2: inodes: expected a whole number, got 'lots'");
        assertThat(kiln("build", "-f", write("e.yaml", "image: x\nfiles:\n  - path: /a\n    source: motd\n"
                + "    mode: 999\n").toString()).err())
                .contains("e.yaml:5: files[0].mode: expected octal permission bits such as 0644, got a number (999)");
        assertThat(kiln("build", "-f", write("f.yaml", "image: x\nkernel: bzImage\n").toString()).err())
                .contains("f.yaml:2: kernel: expected a mapping of keys to values, got 'bzImage'");
        // one line with line and column, not SnakeYAML's excerpt with a caret under it
        assertThat(kiln("build", "-f", write("g.yaml", "image: [x\n").toString()).err())
                .endsWith("g.yaml:2:1: not valid YAML: expected ',' or ']', but got <stream end>"
                        + " (while parsing a flow sequence)\n").hasLineCount(1);
        assertThat(kiln("build", "-f", write("h.yaml", "image: x\n\tsize: 1G\n").toString()).err())
                .endsWith("h.yaml:2:1: not valid YAML: found character '\\t(TAB)' that cannot start any token."
                        + " (Do not use \\t(TAB) for indentation) (while scanning for the next token)\n").hasLineCount(1);
    }

    @Test
    void missingFilesNameKeyAndLine() throws IOException {
        Path spec = write("m.yaml", "image: x\n\nscript: nope.sh\n");
        assertThat(kiln("build", "-f", spec.toString()).err())
                .isEqualTo("kiln: " + spec + ":3: script: " + tmp.resolve("nope.sh") + ": no such file\n");
        assertThat(kiln("build", "-f", tmp.resolve("absent.yaml").toString()).err())
                .contains(tmp.resolve("absent.yaml") + ": spec file not found");
    }

    private List<String> everyFlag(Path out) {
        return new ArrayList<>(List.of("build", "tar:" + rootTar, "--size", "64M", "--headroom", "10",
                "--inodes", "2048", "--label", "spec-test", "--no-journal", "--init", "kiln",
                "--agent", tmp.resolve("agent.sh") + ":/usr/local/bin/agent", "--agent-arg", "serve",
                "--agent-env", "A=1", "--script", tmp.resolve("boot.sh").toString(),
                "--file", tmp.resolve("motd") + ":/etc/motd:0600:1:2", "--env", "FOO=bar", "--hostname", "vm1",
                "--dns", "10.0.0.1", "--entrypoint", "/bin/busybox", "--entrypoint", "echo", "--cmd", "hi",
                "--user", "0:0", "--workdir", "/tmp", "--kernel", tmp.resolve("vmlinuz").toString(),
                "--cmdline", "quiet", "--strict", "-q", "--compress", "zstd",
                "-o", out.resolve("root.ext4").toString(),
                "--format", "initramfs=" + out.resolve("root.cpio.zst"),
                "--format", "kernel+initrd=" + out.resolve("boot"),
                "--format", "tar=" + out.resolve("root.tar.zst"),
                "--format", "qcow2=" + out.resolve("root.qcow2")));
    }

    private static final String EVERY_KEY = """
            image: tar:root.tar
            size: 64M
            headroom: 10
            inodes: 2048
            label: spec-test
            journal: false
            init: kiln
            agent:
              path: agent.sh
              dest: /usr/local/bin/agent
              args: [serve]
              env: [A=1]
            script: boot.sh
            files:
              - path: /etc/motd
                source: motd
                mode: 0600
                uid: 1
                gid: 2
            env:
              FOO: bar
            hostname: vm1
            dns: 10.0.0.1
            entrypoint: [/bin/busybox, echo]
            cmd: [hi]
            user: "0:0"
            workdir: /tmp
            kernel:
              path: vmlinuz
              cmdline: quiet
            outputs:
              - {format: ext4, path: OUT/root.ext4}
              - {format: initramfs, path: OUT/root.cpio.zst, compress: zstd}
              - {format: kernel+initrd, path: OUT/boot, compress: zstd}
              - {format: tar, path: OUT/root.tar.zst}
              - {format: qcow2, path: OUT/root.qcow2}
            strict: true
            """;

    private static void assertSameOutputs(Path a, Path b) throws IOException {
        for (String f : List.of("root.ext4", "root.cpio.zst", "boot/kernel", "boot/initrd.img", "boot/cmdline",
                "root.tar.zst", "root.qcow2")) {
            assertThat(Files.readAllBytes(b.resolve(f))).as(f).isEqualTo(Files.readAllBytes(a.resolve(f)));
        }
    }

    @Test
    void specWithEveryKeyBuildsTheSameBytesAsTheFlags() throws Exception {
        makeRootTar();
        Path byFlags = Files.createDirectories(tmp.resolve("flags"));
        Run flags = kiln(everyFlag(byFlags).toArray(String[]::new));
        assertThat(flags.exit()).as(flags.err()).isZero();

        Path bySpec = Files.createDirectories(tmp.resolve("spec"));
        Path spec = write("kiln.yaml", EVERY_KEY.replace("OUT/", "spec/"));
        Run fromFile = kiln("build", "-q", "-f", spec.toString());
        assertThat(fromFile.exit()).as(fromFile.err()).isZero();
        assertSameOutputs(byFlags, bySpec);
        assertThat(Files.readString(bySpec.resolve("boot/cmdline"))).endsWith(" quiet\n");
        Tools.check("e2fsck", "-fn", bySpec.resolve("root.ext4").toString());
    }

    @Test
    void printedSpecBuildsWhatTheFlagsBuild() throws Exception {
        makeRootTar();
        Path byFlags = Files.createDirectories(tmp.resolve("flags"));
        assertThat(kiln(everyFlag(byFlags).toArray(String[]::new)).exit()).isZero();

        Path printedOut = Files.createDirectories(tmp.resolve("printed"));
        List<String> args = everyFlag(printedOut);
        args.add("--print-spec");
        Run printed = kiln(args.toArray(String[]::new));
        assertThat(printed.exit()).as(printed.err()).isZero();
        assertThat(printed.out()).contains("hostname: vm1").contains("- format: kernel+initrd").contains("mode:");
        assertThat(printedOut.resolve("root.ext4")).doesNotExist();   // printing builds nothing
        Path spec = write("printed.yaml", printed.out());
        Run built = kiln("build", "-q", "-f", spec.toString());
        assertThat(built.exit()).as(built.err()).isZero();
        assertSameOutputs(byFlags, printedOut);
    }

    @Test
    void filesWithContentsSymlinksAndDirectories() throws Exception {
        makeRootTar();
        Path spec = write("files.yaml", """
                image: tar:root.tar
                init: none
                files:
                  - {path: /etc/greeting, contents: "hi there\\n", mode: 0640, uid: 7, gid: 8}
                  - {path: /usr/bin/sh2, symlink: /bin/busybox}
                  - {path: /data, directory: true, mode: 0700, uid: 1000, gid: 1000}
                  - {path: /etc/motd, source: motd}
                outputs:
                  - {format: tar, path: out.tar}
                """);
        Run r = kiln("build", "-q", "-f", spec.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String listing = Tools.check("tar", "--numeric-owner", "-tvf", tmp.resolve("out.tar").toString());
        assertThat(listing).containsPattern("-rw-r----- 7/8 .* etc/greeting")
                .containsPattern("usr/bin/sh2 -> /bin/busybox").containsPattern("drwx------ 1000/1000 .* data/");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("out.tar").toString(), "etc/greeting")).isEqualTo("hi there\n");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("out.tar").toString(), "etc/motd")).isEqualTo("hello\n");
        Path twoKinds = write("two.yaml", "image: tar:root.tar\nfiles:\n  - {path: /x, contents: a, symlink: b}\n"
                + "outputs:\n  - {format: tar, path: o.tar}\n");
        assertThat(kiln("build", "-f", twoKinds.toString()).err()).isEqualTo("kiln: " + twoKinds
                + ":3: files[0]: /x: give exactly one of a source file, contents, a symlink target or directory\n");
    }

    @Test
    void readmeExampleIsAValidSpec() throws Exception {
        Path readme = Path.of("..", "README.md");
        Assumptions.assumeTrue(Files.isRegularFile(readme), "README.md not found beside the module");
        String text = Files.readString(readme);
        int start = text.indexOf("```yaml\n", text.indexOf("### The spec file"));
        String yaml = text.substring(start + 8, text.indexOf("```", start + 8));
        for (String f : List.of("envd", "boot.sh", "config.toml", "bzImage")) {
            Files.writeString(tmp.resolve(f), f);
        }
        Files.createDirectories(tmp.resolve("app"));
        Run r = kiln("build", "-f", write("kiln.yaml", yaml).toString(), "--print-spec");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("image: oci-archive:" + tmp.resolve("app.tar")).contains("RUST_LOG=info")
                .contains("format: kernel+initrd").contains("path: " + tmp.resolve("out/boot"))
                .contains("mode: '0640'").contains("apt-get install -y curl").contains("path: /srv/app")
                .doesNotContain("/./");
    }

    @Test
    void flagsOverrideTheFile() throws Exception {
        Path spec = write("o.yaml", "image: tar:a.tar\nhostname: file\ndns: [1.1.1.1]\n"
                + "outputs:\n  - {format: ext4, path: x.ext4}\n");
        Run r = kiln("build", "-f", spec.toString(), "--hostname", "flag", "--format", "tar=" + tmp.resolve("y.tar"),
                "--print-spec");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("hostname: flag").contains("1.1.1.1").contains("format: tar")
                .doesNotContain("x.ext4");
    }
}
