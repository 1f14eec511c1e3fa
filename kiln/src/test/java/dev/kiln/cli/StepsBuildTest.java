package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.cli.SpecFileTest.Run;
import dev.kiln.steps.StepKernel;
import dev.kiln.steps.StepPlan;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.kiln.cli.SpecFileTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Build steps through {@code kiln build}, where no VM boots: copies alone, and the checks made
 * before anything boots (a kernel at all, its architecture against the image's). Real boots are
 * in {@code steps.BuildStepsBootTest}.
 */
class StepsBuildTest {
    @TempDir
    Path tmp;
    Path root;
    Path out;

    @BeforeEach
    void tree() throws IOException {
        root = Files.createDirectories(tmp.resolve("root/etc"));
        Files.writeString(root.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        root = tmp.resolve("root");
        out = Files.createDirectories(tmp.resolve("out")).resolve("rootfs.ext4");
    }

    /** An x86 bzImage as far as Kiln looks: the boot protocol's "HdrS" at 0x202. */
    private Path fakeBzImage() throws IOException {
        byte[] header = new byte[0x240];
        System.arraycopy("HdrS".getBytes(), 0, header, 0x202, 4);
        return Files.write(tmp.resolve("bzImage"), header);
    }

    private void assertNothingWritten() throws IOException {
        assertThat(out).doesNotExist();
        try (var files = Files.list(out.getParent())) {
            assertThat(files).as("no output, no scratch disk, no temporary").isEmpty();
        }
    }

    @Test
    void copiesAloneNeedNoKernelAndNoVm() throws IOException {
        Tools.assumeTools("debugfs", "e2fsck");
        Files.createDirectories(tmp.resolve("app/bin"));
        Files.writeString(tmp.resolve("app/bin/tool"), "#!/bin/sh\n");
        Files.writeString(tmp.resolve("motd"), "welcome\n");
        Path spec = Files.writeString(tmp.resolve("kiln.yaml"), """
                image: dir:root
                steps:
                  - copy: {source: app, path: /opt/app}
                  - copy: {source: motd, path: /etc/motd, mode: 0600, uid: 7, gid: 8}
                """);
        Run r = kiln("build", "-f", spec.toString(), "-o", out.toString(), "--init", "none", "-q");
        assertThat(r.exit()).as(r.err()).isZero();
        Ext4Image.assertClean(out);
        assertThat(Ext4Image.debugfs(out, "cat /opt/app/bin/tool")).isEqualTo("#!/bin/sh\n");
        assertThat(Ext4Image.debugfs(out, "stat /etc/motd")).containsPattern("User: +7 +Group: +8 ")
                .contains("Mode:  0600");
        assertThat(Ext4Image.debugfs(out, "cat /etc/passwd")).startsWith("root:");
    }

    @Test
    void aRunStepWithoutAKernelSaysHowToGetOne() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("KILN_KERNEL") == null,
                "KILN_KERNEL is set in this environment");
        Run r = kiln("build", "dir:" + root, "--run", "true", "-o", out.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: build steps need a kernel to boot: give --kernel FILE (kernel: {path: "
                + "FILE} in kiln.yaml), --kernel-image REF (an image with /kernel or /boot/vmlinuz*), or set "
                + "KILN_KERNEL; it must have virtio-blk, virtio-net and ext4 built in, not as modules, as "
                + "Firecracker's guest kernels do (an x86 bzImage or vmlinux, an arm64 Image)\n");
        assertNothingWritten();
    }

    /** An arm64 image and an x86_64 kernel: refused before anything is written or booted. */
    @Test
    void theKernelMustBeOfTheImagesArchitecture() throws IOException {
        Path kernel = fakeBzImage();
        Run r = kiln("build", "dir:" + root, "--platform", "linux/arm64", "--run", "true", "--kernel",
                kernel.toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: " + kernel + ": an x86_64 kernel, but the image is linux/arm64; build "
                + "steps need a kernel of the image's architecture (aarch64)\n");
        assertNothingWritten();

        Path notAKernel = Files.writeString(tmp.resolve("vmlinuz"), "not a kernel");
        r = kiln("build", "dir:" + root, "--run", "true", "--kernel", notAKernel.toString(), "-o", out.toString());
        assertThat(r.err()).isEqualTo("kiln: " + notAKernel + ": not a kernel Kiln recognises (an x86 bzImage, an "
                + "ELF vmlinux, or an arm64 Image or Image.gz)\n");
        r = kiln("build", "dir:" + root, "--platform", "linux/riscv64", "--run", "true", "--kernel", kernel.toString(),
                "-o", out.toString());
        assertThat(r.err()).isEqualTo("kiln: platform linux/riscv64: build steps run images for linux/amd64 and "
                + "linux/arm64 only\n");
        assertNothingWritten();
    }

    @Test
    void theKernelComesFromTheKernelKeyElseKilnKernel() throws IOException {
        Path kernel = fakeBzImage();
        StepPlan plan = new StepPlan(List.of(dev.kiln.steps.Step.Run.of("true")), null, null, null, 1,
                StepPlan.DEFAULT_MEMORY, null, true, true);
        try (StepKernel k = StepKernel.resolve(plan.withEnvironmentKernel(kernel.toString()), null, tmp)) {
            assertThat(k.file()).isEqualTo(kernel);
        }
        assertThatThrownBy(() -> StepKernel.resolve(plan.withEnvironmentKernel(tmp + "/none"), null, tmp))
                .isInstanceOf(KilnException.class).hasMessage("KILN_KERNEL=" + tmp + "/none: no such file");
        Path other = Files.copy(kernel, tmp.resolve("other"));
        StepPlan withFile = new StepPlan(plan.steps(), other, null, null, 1, StepPlan.DEFAULT_MEMORY, null, true, true)
                .withEnvironmentKernel(kernel.toString());
        try (StepKernel k = StepKernel.resolve(withFile, null, tmp)) {
            assertThat(k.file()).as("--kernel wins over $KILN_KERNEL").isEqualTo(other);
        }
        StepPlan copies = new StepPlan(List.of(new dev.kiln.steps.Step.Copy(kernel, "/k", null, null, null)), null,
                null, null, 1, StepPlan.DEFAULT_MEMORY, null, true, true);
        assertThat(StepKernel.resolve(copies, null, tmp)).as("copies need no kernel").isNull();
    }

    /** --kernel-image: the image's /boot/vmlinuz* boots the steps too, kept in a scratch file meanwhile. */
    @Test
    void theKernelCanComeFromAnImage() throws IOException {
        Path kernel = fakeBzImage();
        Path kernelTree = Files.createDirectories(tmp.resolve("k/boot"));
        Files.copy(kernel, kernelTree.resolve("vmlinuz-6.1"));
        StepPlan plan = new StepPlan(List.of(dev.kiln.steps.Step.Run.of("true")), null, "dir:" + tmp.resolve("k"),
                null, 1, StepPlan.DEFAULT_MEMORY, null, true, true);
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        try (StepKernel k = StepKernel.resolve(plan, () -> dev.kiln.guest.Entries.of(
                dev.kiln.guest.Entries.dir("boot"), dev.kiln.entry.Entry.file("boot/vmlinuz-6.1".getBytes(), 0644, 0, 0,
                        0, Files.size(kernel), Files.newInputStream(kernel))), scratch)) {
            assertThat(Files.readAllBytes(k.file())).isEqualTo(Files.readAllBytes(kernel));
            assertThat(k.file().getParent()).isEqualTo(scratch);
        }
        try (var files = Files.list(scratch)) {
            assertThat(files).as("the extracted kernel is gone").isEmpty();
        }
        assertThatThrownBy(() -> StepKernel.resolve(plan, () -> dev.kiln.guest.Entries.of(
                dev.kiln.guest.Entries.dir("etc")), scratch)).hasMessage("dir:" + tmp.resolve("k")
                + ": kernel image has no /kernel or /boot/vmlinuz*");
    }
}
