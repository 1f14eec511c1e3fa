package dev.kiln.guest;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * aarch64 guests under qemu-system-aarch64 -M virt (TCG on an x86_64 host), end to end through
 * the CLI: Debian's busybox-static for arm64 packed with umoci and tagged linux/arm64 in a
 * two-platform index beside an amd64 busybox image, `kiln build --platform linux/arm64` to ext4
 * and initramfs, then `kiln run`.
 */
@Tag("slow")
class Arm64BootTest {
    @TempDir
    static Path tmp;
    static Path kernel;
    static Path layout;
    static Path armImage;
    static Path armInitramfs;

    @BeforeAll
    static void twoPlatformIndex() throws Exception {
        kernel = BootSupport.kernelArm64();
        Tools.assumeTools("umoci", "busybox", "dpkg-deb");
        Tools.assumeRoot(); // umoci unpack
        Path armBusybox = BootSupport.arm64Busybox();
        Path hostBusybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        layout = tmp.resolve("layout");
        image("amd64", hostBusybox);
        image("arm64", armBusybox);
        OciLayouts.index(layout, "busybox", "amd64", "arm64");

        armImage = tmp.resolve("arm64.ext4");
        armInitramfs = tmp.resolve("arm64.cpio.gz");
        BootSupport.CliRun build = BootSupport.kiln("build", "oci:" + layout + ":busybox", "--platform", "linux/arm64",
                "-o", armImage.toString(), "--format", "initramfs=" + armInitramfs, "-q");
        assertThat(build.exit()).as(build.err()).isZero();
    }

    /** One busybox image per architecture, tagged busybox-ARCH. */
    private static void image(String arch, Path busybox) throws IOException {
        OciLayouts.image(layout, tmp, "busybox-" + arch, arch, rootfs -> BootSupport.busyboxRoot(rootfs, busybox),
                "--config.entrypoint", "/usr/bin/show", "--config.cmd", "from-cmd", "--config.env", "PATH=/usr/bin:/bin",
                "--config.env", "EXIT_CODE=42", "--config.user", "app", "--config.workingdir", "/data/app");
    }

    private static BootSupport.CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--kernel", kernel.toString(), "--accel", "tcg", "--timeout", "180s"));
        all.addAll(Arrays.asList(args)); // last: they may end with -- CMD
        return BootSupport.kiln(all.toArray(String[]::new));
    }

    /** The aarch64 kiln-init runs the entrypoint as the image's user; its status comes back; QEMU ends itself. */
    @Test
    void theArm64ImageBootsItsEntrypointAsItsUser() {
        BootSupport.CliRun r = run(armImage.toString(), "--append", "quiet");

        assertThat(r.exit()).as(r.err()).isEqualTo(42);
        assertThat(r.show()).containsSubsequence("uid=1000 gid=1000 groups=1000 29", "cwd=/data/app",
                "arg=/usr/bin/show", "arg=from-cmd");
        assertThat(r.show()).contains("machine=aarch64", "pid1=init", "env EXIT_CODE=42");
        assertThat(r.lines()).contains("kiln-init: exit status 42");
        // kiln-init's reboot request (no ACPI on virt) ended QEMU, not the runner's kill after 10 s (slow TCG: margin)
        assertThat(r.millisAfter("kiln-init: exit status 42")).as("under the 10 s linger").isBetween(0L, 9000L);
        System.out.println("[timing] arm64 ext4: kiln run to QEMU exit after the status line "
                + r.millisAfter("kiln-init: exit status") + " ms");
    }

    /** The initramfs output, booted with no disk; kiln-init powers off through PSCI here. */
    @Test
    void theArm64InitramfsBootsTheSameAndPowersOff() {
        BootSupport.CliRun r = run("--initrd", armInitramfs.toString(), "--append", "quiet kiln.poweroff=poweroff");

        assertThat(r.exit()).as(r.err()).isEqualTo(42);
        assertThat(r.show()).contains("uid=1000 gid=1000 groups=1000 29", "machine=aarch64", "arg=from-cmd");
        assertThat(r.out()).contains("reboot: Power down");
        assertThat(r.millisAfter("kiln-init: exit status 42")).as("under the 10 s linger").isBetween(0L, 9000L);
    }

    /** -- CMD, -e, --net and -p on arm64, as on x86_64: httpd in the guest reached from the host. */
    @Test
    void commandEnvironmentNetAndPortsOnArm64() throws Exception {
        int port = dev.kiln.testing.Ports.unused();
        CompletableFuture<BootSupport.CliRun> vm = CompletableFuture.supplyAsync(() -> run(armImage.toString(),
                "--append", "quiet", "-p", port + ":80", "-e", "GREETING=hi", "-u", "root", "--entrypoint", "/bin/sh",
                "--", "-c", "echo greeting=$GREETING; cat /etc/resolv.conf; httpd -f -p 80 -h /www; echo httpd-stopped"));

        assertThat(BootSupport.fetchWhenUp(port, "/index.html", Duration.ofSeconds(150), vm)).isEqualTo(BootSupport.WWW_INDEX);
        assertThat(BootSupport.fetchWhenUp(port, "/cgi-bin/stop", Duration.ofSeconds(30), vm)).isEqualTo("stopping\n");

        BootSupport.CliRun r = vm.get(200, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).contains("greeting=hi", "nameserver 10.0.2.3", "httpd-stopped");
    }

    /** The amd64 image of the same index with the arm64 kernel, and --arch against the kernel, are refused. */
    @Test
    void aKernelOfAnotherArchitectureIsRefused() {
        Path amd64 = tmp.resolve("amd64.ext4");
        BootSupport.CliRun build = BootSupport.kiln("build", "oci:" + layout + ":busybox", "--platform", "linux/amd64",
                "-o", amd64.toString(), "-q");
        assertThat(build.exit()).as(build.err()).isZero();

        BootSupport.CliRun wrongImage = run(amd64.toString(), "--append", "quiet");
        assertThat(wrongImage.exit()).isEqualTo(1);
        assertThat(wrongImage.err()).contains("kiln: " + amd64 + ": the aarch64 kernel cannot execute /sbin/init "
                + "(Exec format error): the image is not built for aarch64");

        BootSupport.CliRun wrongArch = run(armImage.toString(), "--arch", "x86_64");
        assertThat(wrongArch.exit()).isEqualTo(1);
        assertThat(wrongArch.err()).isEqualTo("kiln: " + kernel + ": an aarch64 kernel (arm64 Image), but --arch is x86_64; "
                + "boot x86_64 images with an x86_64 kernel\n");
        assertThat(wrongArch.out()).isEmpty();
    }

    /** The arm64 image with the x86_64 test kernel (when there is one): the x86 kernel says what is wrong. */
    @Test
    void theArm64ImageWithAnX86Kernel() {
        Path x86 = BootSupport.kernel();
        BootSupport.CliRun r = BootSupport.kiln("run", armImage.toString(), "--kernel", x86.toString(), "--accel", "tcg",
                "--append", "quiet", "--timeout", "180s");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("kiln: " + armImage + ": the x86_64 kernel cannot execute /sbin/init "
                + "(Exec format error): the image is not built for x86_64");
    }
}
