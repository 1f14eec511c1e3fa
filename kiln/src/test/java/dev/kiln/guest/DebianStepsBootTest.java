package dev.kiln.guest;

import dev.kiln.testing.Debootstrap;
import dev.kiln.testing.Ext4Image;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A debootstrapped Debian provisioned by a build step: the guest itself runs apt-get against
 * Debian's mirror through QEMU's user-mode NAT, the result is e2fsck clean, boots with
 * {@code kiln run}, and the installed program runs there.
 */
@Tag("slow")
class DebianStepsBootTest {
    @TempDir
    static Path tmp;
    static Path kernel;
    static Path debian;

    @BeforeAll
    static void setUp() {
        kernel = BootSupport.kernel();
        debian = Debootstrap.bookwormSystemd();
    }

    @Test
    void aptGetInstallsHelloFromTheMirrorAndTheImageRunsIt() {
        Path image = tmp.resolve("debian-hello.ext4");
        long start = System.nanoTime();
        BootSupport.CliRun built = BootSupport.kiln("build", "dir:" + debian, "--kernel", kernel.toString(),
                "--cache-dir", tmp.resolve("cache").toString(), "--init", "kiln", "--step-timeout", "30m",
                "--run", "apt-get -o Acquire::Retries=5 update && apt-get -o Acquire::Retries=5 install -y hello", "-o",
                image.toString());
        System.out.printf("[timing] debootstrap image + apt-get install hello under TCG: %d s%n",
                (System.nanoTime() - start) / 1_000_000_000L);

        assertThat(built.exit()).as(built.err()).isZero();
        assertThat(built.err()).contains("[step 1] Setting up hello");
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /usr/bin/hello")).contains("Type: regular");

        BootSupport.CliRun run = BootSupport.kiln("run", image.toString(), "--kernel", kernel.toString(), "--accel",
                "tcg", "--timeout", "240s", "--", "/bin/sh", "-c", "hello; dpkg -s hello | grep '^Status:'");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.lines()).contains("Hello, world!", "Status: install ok installed");
        Ext4Image.assertClean(image);
    }
}
