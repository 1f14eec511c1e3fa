package dev.kiln.guest;

import dev.kiln.cli.Main;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kiln-init runs as the guest's PID 1, so the binary Kiln installs must match the image's
 * architecture. Images made with umoci for several architectures; the installed /sbin/init is
 * read back with debugfs and identified by its ELF header's e_machine; the aarch64 one also runs
 * under qemu-user (Arm64BootTest boots it).
 */
class KilnInitArchTest {
    private static final int EM_X86_64 = 0x3E;
    private static final int EM_AARCH64 = 0xB7;

    @TempDir
    static Path shared;
    static Path layout;

    @TempDir
    Path tmp;

    @BeforeAll
    static void images() {
        Tools.assumeTools("umoci", "debugfs", "e2fsck");
        layout = shared.resolve("layout");
        Tools.check("umoci", "init", "--layout", layout.toString());
        Tools.check("umoci", "new", "--image", layout + ":base");
        for (String arch : new String[] {"amd64", "arm64", "s390x"}) {
            Tools.check("umoci", "config", "--image", layout + ":base", "--tag", arch, "--os", "linux",
                    "--architecture", arch, "--config.entrypoint", "/app");
        }
    }

    @Test
    void anArm64ImageGetsTheAarch64Binary() throws IOException {
        Path image = build("oci:" + layout + ":arm64", "--init", "kiln");
        assertThat(machine(image, "/sbin/init")).isEqualTo(EM_AARCH64);
    }

    @Test
    void anAmd64ImageGetsTheX86_64Binary() throws IOException {
        Path image = build("oci:" + layout + ":amd64", "--init", "kiln");
        assertThat(machine(image, "/sbin/init")).isEqualTo(EM_X86_64);
    }

    @Test
    void aRootfsTarFollowsThePlatformOption() throws IOException {
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs/etc"));
        Files.writeString(rootfs.resolve("hostname"), "x\n");
        Path tar = tmp.resolve("rootfs.tar");
        Tools.check("tar", "-C", tmp.resolve("rootfs").toString(), "-cf", tar.toString(), ".");
        Path image = build("tar:" + tar, "--platform", "linux/arm64", "--init", "auto");
        assertThat(machine(image, "/sbin/init")).isEqualTo(EM_AARCH64);
    }

    @Test
    void anUnsupportedArchitectureFailsClearlyAndWritesNothing() {
        Path out = tmp.resolve("s390x.ext4");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int exit;
        try (PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            exit = Main.run("build", "oci:" + layout + ":s390x", "-o", out.toString(), "-q", "--init", "kiln");
        } finally {
            System.setErr(old);
        }
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("kiln: platform linux/s390x: Kiln has no kiln-init for this architecture")
                .contains("linux/amd64 and linux/arm64");
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void noBinaryIsNeededWithInitNone() {
        Path image = build("oci:" + layout + ":s390x", "--init", "none");
        Ext4Image.assertAbsent(image, "/sbin/init");
        assertThat(Ext4Image.debugfs(image, "cat /etc/kiln/image.json")).contains("/app");
    }

    /**
     * The aarch64 binary under qemu-user in its helper mode (what an image's own init calls): it reads the image's init.conf (qemu's -L prefix
     * redirects the open into the dumped files) and execs the agent with the configured
     * environment. The agent's path is /usr/bin/env, which exec finds on the host, so what it
     * prints is exactly the environment the aarch64 kiln-init built.
     */
    @Test
    void theAarch64BinaryStartsTheAgentWithItsEnvironmentUnderQemuUser() throws IOException {
        Tools.assumeTools("qemu-aarch64");
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        Path image = build("oci:" + layout + ":arm64", "--init", "kiln", "--agent", agent + ":/usr/bin/env",
                "--agent-env", "AGENT_VAR=1", "--env", "GREETING=hello");
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("sbin"));
        Files.createDirectories(root.resolve("etc/kiln"));
        Ext4Image.debugfs(image, "dump /sbin/init " + root.resolve("sbin/init"));
        Ext4Image.debugfs(image, "dump /etc/kiln/init.conf " + root.resolve("etc/kiln/init.conf"));
        Tools.check("chmod", "755", root.resolve("sbin/init").toString());
        assertThat(machine(image, "/sbin/init")).isEqualTo(EM_AARCH64);

        String out = Tools.check("env", "-i", "qemu-aarch64", "-L", root.toString(), root.resolve("sbin/init").toString(),
                "agent");
        assertThat(out.lines()).containsExactlyInAnyOrder("GREETING=hello", "AGENT_VAR=1",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root");
    }

    private Path build(String source, String... options) {
        Path out = tmp.resolve("out.ext4");
        String[] args = new String[options.length + 5];
        args[0] = "build";
        args[1] = source;
        args[2] = "-o";
        args[3] = out.toString();
        args[4] = "-q";
        System.arraycopy(options, 0, args, 5, options.length);
        assertThat(Main.run(args)).as("kiln %s", String.join(" ", args)).isZero();
        Ext4Image.assertClean(out);
        return out;
    }

    /** e_machine of the ELF file at {@code path} in the image. */
    private int machine(Path image, String path) throws IOException {
        Path copy = tmp.resolve("dumped");
        Ext4Image.debugfs(image, "dump " + path + " " + copy);
        byte[] elf = Files.readAllBytes(copy);
        assertThat(elf).as("%s is an ELF file", path).startsWith(0x7F, 'E', 'L', 'F');
        assertThat(elf[4]).as("64-bit").isEqualTo((byte) 2);
        assertThat(elf[5]).as("little-endian").isEqualTo((byte) 1);
        return (elf[18] & 0xFF) | (elf[19] & 0xFF) << 8;
    }
}
