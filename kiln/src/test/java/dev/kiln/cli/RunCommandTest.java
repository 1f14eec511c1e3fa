package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.run.Arch;
import dev.kiln.run.GuestOverrides;
import dev.kiln.run.PortForward;
import dev.kiln.run.VmSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `kiln run`'s command line as it becomes a VmSpec (no boot: the boot tests are in dev.kiln.guest). */
class RunCommandTest {
    @TempDir
    Path tmp;
    Path image;
    Path kernel;

    @BeforeEach
    void files() throws IOException {
        image = Files.write(tmp.resolve("root.ext4"), new byte[4096]);
        kernel = Files.write(tmp.resolve("bzImage"), new byte[4096]);
    }

    private VmSpec spec(boolean interactive, String... args) {
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs(args);
        return run.spec(interactive);
    }

    @Test
    void theWordsAfterDashesAreTheCommand() {
        VmSpec spec = spec(false, image.toString(), "--kernel", kernel.toString(), "--", "/bin/sh", "-c", "echo --x");
        assertThat(spec.image()).isEqualTo(image);
        assertThat(spec.overrides().cmd()).containsExactly("/bin/sh", "-c", "echo --x");
        assertThat(spec.overrides().entrypoint()).isNull();
    }

    @Test
    void withoutACommandTheImagesOwnRuns() {
        VmSpec spec = spec(false, image.toString(), "--kernel", kernel.toString());
        assertThat(spec.overrides()).isEqualTo(GuestOverrides.NONE);
        assertThat(spec.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(spec.net()).isFalse();
        assertThat(spec.interactive()).isFalse();
    }

    @Test
    void anInitrdAloneTakesACommandToo() throws IOException {
        Path initrd = Files.write(tmp.resolve("root.cpio.gz"), new byte[16]);
        VmSpec spec = spec(false, "--initrd", initrd.toString(), "--kernel", kernel.toString(), "--", "ls", "/");
        assertThat(spec.image()).isNull();
        assertThat(spec.overrides().cmd()).containsExactly("ls", "/");
    }

    @Test
    void aSecondWordBeforeDashesIsAMistake() {
        assertThatThrownBy(() -> spec(false, image.toString(), "ls", "--kernel", kernel.toString()))
                .isInstanceOf(KilnException.class)
                .hasMessage("run: " + image + " ls: one IMAGE only; put the command after --, as in: kiln run IMAGE -- CMD ARG...");
    }

    @Test
    void dockerStyleOptions() throws IOException {
        Path disk = Files.write(tmp.resolve("data.img"), new byte[512]);
        VmSpec spec = spec(false, image.toString(), "--kernel", kernel.toString(), "-e", "A=1", "--env", "B=x=y",
                "-e", "PATH", "-e", "KILN_TEST_SURELY_UNSET", "-u", "app:staff", "-w", "/srv", "--entrypoint", "/bin/sh",
                "--disk", disk.toString(), "-p", "8080:80", "--publish", "127.0.0.1:53:53/udp", "--arch", "amd64",
                "--machine", "q35", "--timeout", "0");
        assertThat(spec.overrides()).isEqualTo(new GuestOverrides(List.of("/bin/sh"), null,
                List.of("A=1", "B=x=y", "PATH=" + System.getenv("PATH")), "app:staff", "/srv"));
        assertThat(spec.disks()).containsExactly(disk);
        assertThat(spec.ports()).containsExactly(new PortForward("tcp", "", 8080, 80),
                new PortForward("udp", "127.0.0.1", 53, 53));
        assertThat(spec.net()).as("-p implies --net").isTrue();
        assertThat(spec.arch()).isEqualTo(Arch.X86_64);
        assertThat(spec.machine()).isEqualTo(VmSpec.Machine.Q35);
        assertThat(spec.timeout()).isZero();
    }

    @Test
    void onATerminalThereIsNoTimeoutAndTheGuestLearnsTheTerminalType() {
        VmSpec spec = spec(true, image.toString(), "--kernel", kernel.toString());
        assertThat(spec.interactive()).isTrue();
        assertThat(spec.timeout()).isZero();
        assertThat(spec.overrides().env()).singleElement().asString().startsWith("TERM=");
        assertThat(spec(true, image.toString(), "--kernel", kernel.toString(), "-e", "TERM=dumb").overrides().env())
                .containsExactly("TERM=dumb");
        assertThat(spec(true, image.toString(), "--kernel", kernel.toString(), "--timeout", "5m").timeout())
                .isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void badValuesSayWhichOption() {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"-e", "=x", "-e =x: expected NAME=VALUE or NAME"});
        cases.add(new String[] {"--arch", "s390x", "--arch s390x: expected x86_64 (amd64) or aarch64 (arm64)"});
        cases.add(new String[] {"--machine", "pc", "--machine pc: expected one of [microvm, q35, virt]"});
        cases.add(new String[] {"-p", "80", "-p 80: expected [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp], such as 8080:80"});
        cases.add(new String[] {"--timeout", "99999999999", "--timeout 99999999999: expected a duration like 500ms, 60s, 5m or 1h"});
        cases.add(new String[] {"--disk", "/no/such.img", "/no/such.img: no such file"});
        for (String[] c : cases) {
            assertThatThrownBy(() -> spec(false, image.toString(), "--kernel", kernel.toString(), c[0], c[1]))
                    .as(c[0]).isInstanceOf(KilnException.class).hasMessage(c[2]);
        }
    }

    @Test
    void helpDescribesTheNewOptionsAndHowToQuit() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(Main.run("run", "--help")).isZero();
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("kiln run [IMAGE] --kernel FILE [OPTIONS] [-- CMD [ARG...]]",
                "--disk", "--net", "--publish", "--arch", "--entrypoint", "Ctrl-a x stops the VM");
    }
}
