package dev.kiln.guest;

import dev.kiln.guest.GuestConfig.InitMode;
import dev.kiln.image.ImageConfig;
import dev.kiln.run.VmResult;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Real boots of a busybox image under QEMU (TCG) with kiln-init as PID 1. */
@Tag("slow")
class BusyboxBootTest {

    private static final ImageConfig CONFIG = new ImageConfig(List.of("/usr/bin/show", "from-entrypoint"),
            List.of("from-cmd"), List.of("PATH=/usr/bin:/bin", "FROM_IMAGE=yes", "EXIT_CODE=3"), "/data/app",
            "app", List.of(), Map.of());

    @TempDir
    static Path tmp;
    static Path root;
    static Path kernel;

    @BeforeAll
    static void busyboxRootfs() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox");
        root = Files.createDirectories(tmp.resolve("rootfs"));
        for (String d : List.of("bin", "sbin", "usr/bin", "etc", "data")) {
            Files.createDirectories(root.resolve(d));
        }
        Path busybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        Tools.check("cp", busybox.toString(), root.resolve("bin/busybox").toString());
        for (String applet : Tools.check(busybox.toString(), "--list").split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox") && !applet.equals("init")) {
                Files.createSymbolicLink(root.resolve("bin/" + applet.trim()), Path.of("busybox"));
            }
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\naudio:x:29:app\nvideo:x:44:other,app\n");
        Files.writeString(root.resolve("usr/bin/show"), BootSupport.SHOW);
        Tools.check("chmod", "755", root.resolve("usr/bin/show").toString());
    }

    @Test
    void mainProgramSeesConfigAndOverridesAndItsStatusPropagates() throws IOException {
        GuestConfig guest = GuestConfig.builder()
                .init(InitMode.AUTO)
                .hostname("kiln-vm")
                .env(List.of("EXIT_CODE=42", "ADDED=1"))
                .cmd(List.of("over", "two words"))
                .build();
        Path image = tmp.resolve("show.ext4");
        BootSupport.buildImage(root, CONFIG, guest, image, p -> false);

        BootSupport.Boot boot = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(120)));

        assertThat(boot.result().outcome()).isEqualTo(VmResult.Outcome.EXITED);
        assertThat(boot.result().status()).isEqualTo(42);
        assertThat(boot.result().exitCode()).isEqualTo(42);
        List<String> show = boot.lines().stream().filter(l -> l.startsWith("show: ")).map(l -> l.substring(6)).toList();
        assertThat(show).containsSubsequence("uid=1000 gid=1000 groups=1000 29 44", "cwd=/data/app",
                "arg=/usr/bin/show", "arg=from-entrypoint", "arg=over", "arg=two words");
        assertThat(show).doesNotContain("arg=from-cmd");
        assertThat(show.stream().filter(l -> l.startsWith("env ")).toList()).containsExactlyInAnyOrder(
                "env ADDED=1", "env EXIT_CODE=42", "env FROM_IMAGE=yes", "env HOME=/home/app",
                "env PATH=/usr/bin:/bin", "env PWD=/data/app", "env SHLVL=1");
        assertThat(show).contains("hostname=kiln-vm", "pid1=init", "mount /dev devtmpfs", "mount /dev/pts devpts",
                "mount /dev/shm tmpfs", "mount /run tmpfs", "mount /tmp tmpfs", "mount /proc proc", "mount /sys sysfs");
        assertThat(show).anyMatch(l -> l.startsWith("lo=unknown 0x9"));
        assertThat(boot.lines()).anyMatch(l -> l.contains("kiln-init: exit status 42"));
        System.out.println("[timing] busybox: QEMU start to main program output "
                + boot.timeTo("show: uid=") + " ms, to QEMU exit " + boot.result().elapsed().toMillis() + " ms");
        Ext4Image.assertClean(image);
    }

    @Test
    void rootIsWritableAndTheWriteSurvivesPowerOff() throws IOException {
        GuestConfig guest = GuestConfig.builder()
                .init(InitMode.KILN)
                .entrypoint(List.of("/bin/sh", "-c", "echo written-in-vm > /data/out.txt && echo wrote"))
                .user("root")
                .workdir("/")
                .build();
        Path image = tmp.resolve("rw.ext4");
        BootSupport.buildImage(root, CONFIG, guest, image, p -> false);

        BootSupport.Boot boot = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(120)));

        assertThat(boot.result().outcome()).isEqualTo(VmResult.Outcome.EXITED);
        assertThat(boot.result().status()).isZero();
        assertThat(boot.lines()).contains("wrote");
        assertThat(Ext4Image.debugfs(image, "cat /data/out.txt")).isEqualTo("written-in-vm\n");
        // kiln-init remounts / read-only before powering off, so there is no journal to replay
        Ext4Image.assertClean(image);
    }

    @Test
    void failuresArePrintedAndGiveANonZeroStatus() throws IOException {
        GuestConfig guest = GuestConfig.builder().init(InitMode.KILN).entrypoint(List.of("/no/such/program")).build();
        Path image = tmp.resolve("missing.ext4");
        BootSupport.buildImage(root, CONFIG, guest, image, p -> false);
        BootSupport.Boot missing = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(120)));
        assertThat(missing.result().status()).isEqualTo(127);
        assertThat(missing.lines()).anyMatch(l -> l.contains("kiln-init: exec /no/such/program: No such file or directory"));
        // the same through the CLI: `kiln run` exits with the guest's status
        assertThat(dev.kiln.cli.Main.run("run", image.toString(), "--kernel", kernel.toString(), "--accel", "tcg",
                "--append", "quiet", "--timeout", "120s")).isEqualTo(127);

        GuestConfig badUser = GuestConfig.builder().init(InitMode.KILN).user("nobody-here").build();
        Path image2 = tmp.resolve("baduser.ext4");
        BootSupport.buildImage(root, CONFIG, badUser, image2, p -> false);
        BootSupport.Boot user = BootSupport.boot(BootSupport.tcg(image2, kernel, Duration.ofSeconds(120)));
        assertThat(user.result().status()).isNotZero();
        assertThat(user.lines()).anyMatch(l -> l.contains("kiln-init: user nobody-here: not found in /etc/passwd"));
    }

    /**
     * An image that keeps its own init (busybox init reading /etc/inittab): the agent and the
     * script become inittab entries appended to the image's own, and both run under that init.
     */
    @Test
    void underTheImagesBusyboxInitTheScriptAndAgentRunAsInittabEntries() throws IOException {
        Path own = tmp.resolve("own-init");
        Tools.check("cp", "-a", root.toString(), own.toString());
        Files.createDirectories(own.resolve("tmp"));
        Files.createDirectories(own.resolve("proc"));
        Files.createSymbolicLink(own.resolve("sbin/init"), Path.of("../bin/busybox"));
        // The image's own entries: they wait for the agent's mark, report, and end the VM.
        Files.writeString(own.resolve("etc/inittab"), """
                ::sysinit:/bin/mount -t proc proc /proc
                ::once:/bin/sh -c 'for i in $(seq 600); do [ -s /tmp/agent-up ] && break; sleep 0.1; done; echo "inittab-check: agent=$(cat /tmp/agent-up) script=$(cat /tmp/script-ran)"; /bin/sync; /bin/reboot -f'
                """);
        Path agent = Files.writeString(tmp.resolve("agent.sh"), """
                #!/bin/sh
                echo "up as $(id -u) with AGENT_MODE=$AGENT_MODE" > /tmp/agent-up
                exec sleep 600
                """);
        Path script = Files.writeString(tmp.resolve("script.sh"), """
                #!/bin/sh
                echo "script says hello"
                echo ran > /tmp/script-ran
                """);
        ImageConfig noProgram = new ImageConfig(List.of(), List.of(), List.of("PATH=/usr/bin:/bin"), null, null,
                List.of(), Map.of());
        GuestConfig guest = GuestConfig.builder()
                .init(InitMode.AUTO)
                .agent(agent, null)
                .agentEnv(List.of("AGENT_MODE=inittab"))
                .script(script)
                .build();
        Path image = tmp.resolve("own-init.ext4");
        BootSupport.buildImage(own, noProgram, guest, image, p -> false);
        String inittab = Ext4Image.debugfs(image, "cat /etc/inittab");
        assertThat(inittab).startsWith("::sysinit:/bin/mount -t proc proc /proc\n")
                .contains("::sysinit:/usr/lib/kiln/kiln-init script", "::respawn:/usr/lib/kiln/kiln-init agent");
        assertThat(Ext4Image.debugfs(image, "stat /sbin/init")).as("the image's init stays").contains("Type: symlink");

        BootSupport.Boot boot = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(120)));

        // busybox init, not kiln-init, ends this VM: no exit status is reported, QEMU just stops.
        assertThat(boot.result().outcome()).isEqualTo(VmResult.Outcome.STOPPED);
        assertThat(boot.lines()).noneMatch(l -> l.contains("kiln-init: exit status"));
        assertThat(boot.lines()).anyMatch(l -> l.contains("script says hello"));
        assertThat(boot.lines()).anyMatch(l -> l.contains("inittab-check: agent=up as 0 with AGENT_MODE=inittab script=ran"));
    }
}
