package dev.kiln.guest;

import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build step on an arm64 image, built on this x86_64 host (issue 16): the step VM is
 * qemu-system-aarch64 (TCG) with the arm64 kernel, the step's file is in the output, and the
 * output boots.
 */
@Tag("slow")
class Arm64StepsBootTest {
    @TempDir
    static Path tmp;
    static Path kernel;
    static Path root;

    @BeforeAll
    static void arm64Busybox() throws IOException {
        kernel = BootSupport.kernelArm64();
        Tools.assumeTools("busybox", "dpkg-deb");
        root = tmp.resolve("root");
        BootSupport.busyboxRoot(root, BootSupport.arm64Busybox());
    }

    @Test
    void aShellStepRunsInTheArm64ImageAndItsFileIsInTheOutput() {
        Path image = tmp.resolve("arm64.ext4");
        BootSupport.CliRun built = BootSupport.kiln("build", "dir:" + root, "--platform", "linux/arm64", "--kernel",
                kernel.toString(), "--cache-dir", tmp.resolve("cache").toString(), "--init", "kiln",
                "--run", "uname -m > /arch; echo made-in-the-step > /made; echo printed-by-arm64", "-o", image.toString());

        assertThat(built.exit()).as(built.err()).isZero();
        assertThat(built.err()).contains("[step 1] printed-by-arm64");
        if (List.of("amd64", "x86_64").contains(System.getProperty("os.arch"))) {
            // the accelerator is chosen as kiln run chooses it: KVM cannot run another architecture
            assertThat(built.err()).contains("kiln: using TCG (slow emulation), KVM is not usable: it runs only guests "
                    + "of this machine's architecture (x86_64), and this one is aarch64");
        }
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "cat /arch")).isEqualTo("aarch64\n");
        assertThat(Ext4Image.debugfs(image, "cat /made")).isEqualTo("made-in-the-step\n");

        BootSupport.CliRun run = BootSupport.kiln("run", image.toString(), "--kernel", kernel.toString(), "--accel",
                "tcg", "--timeout", "180s", "--", "/bin/cat", "/made");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines()).contains("made-in-the-step");
    }
}
