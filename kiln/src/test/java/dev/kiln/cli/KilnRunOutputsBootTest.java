package dev.kiln.cli;

import dev.kiln.run.VmResult;
import dev.kiln.run.VmRunner;
import dev.kiln.run.VmSpec;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real thing end to end: `kiln build` from a busybox rootfs tar with kiln-init writes an
 * initramfs, a kernel+initrd directory and a qcow2 in one pass, and `kiln run`'s runner boots
 * each (the initramfs and the kernel+initrd set with no disk at all) into the image's program,
 * whose output and exit status come back.
 */
@Tag("slow")
class KilnRunOutputsBootTest {
    @TempDir
    Path tmp;

    @Test
    void initramfsKernelInitrdAndQcow2FromTheCliBootIntoTheProgram() throws Exception {
        Path kernel = dev.kiln.build.OutputsPipelineTest.testKernel();
        Tools.assumeTools("qemu-system-x86_64", "tar");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        Path root = Files.createDirectories(tmp.resolve("root/bin"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("busybox"));
        Files.createSymbolicLink(root.resolve("sh"), Path.of("busybox"));
        Path tar = tmp.resolve("root.tar");
        Tools.check("tar", "--numeric-owner", "--owner=0", "--group=0", "-C", tmp.resolve("root").toString(), "-cf",
                tar.toString(), ".");
        Path out = Files.createDirectories(tmp.resolve("out"));
        SpecFileTest.Run build = SpecFileTest.kiln("build", "-q", "tar:" + tar, "--init", "kiln",
                "--entrypoint", "/bin/busybox", "--entrypoint", "sh", "--entrypoint", "-c",
                "--cmd", "echo KILN-OUTPUTS-BOOT $(cat /etc/hostname); exit 7", "--hostname", "initvm",
                "--format", "initramfs=" + out.resolve("root.cpio.gz"), "--format", "qcow2=" + out.resolve("root.qcow2"),
                "--format", "kernel+initrd=" + out.resolve("boot"), "--kernel", kernel.toString());
        assertThat(build.exit()).as(build.err()).isZero();

        VmSpec base = new VmSpec(null, kernel, out.resolve("root.cpio.gz"), "rdinit=/init", "256M", 1,
                Duration.ofSeconds(120), VmSpec.Accel.TCG, VmSpec.Machine.MICROVM);
        // The kernel+initrd directory as a set, the way a Firecracker config would use it: its own
        // kernel, initrd and command line (rdinit=/init is the kernel's default, spelled out so
        // the runner keeps it).
        Path boot = out.resolve("boot");
        String cmdline = Files.readString(boot.resolve("cmdline")).trim() + " rdinit=/init";
        VmSpec set = new VmSpec(null, boot.resolve("kernel"), boot.resolve("initrd.img"), cmdline, "256M", 1,
                Duration.ofSeconds(120), VmSpec.Accel.TCG, VmSpec.Machine.MICROVM);
        for (VmSpec spec : new VmSpec[] {base, set, new VmSpec(out.resolve("root.qcow2"), kernel, null, null, "256M", 1,
                Duration.ofSeconds(120), VmSpec.Accel.TCG, VmSpec.Machine.MICROVM)}) {
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            VmResult result = new VmRunner(console, new PrintStream(new ByteArrayOutputStream()), line -> { })
                    .run(spec);
            String text = console.toString(StandardCharsets.UTF_8);
            assertThat(text).as(spec.toString()).contains("KILN-OUTPUTS-BOOT initvm")
                    .contains("kiln-init: exit status 7");
            assertThat(result.exitCode()).as(text).isEqualTo(7);
        }
    }
}
