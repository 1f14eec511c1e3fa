package dev.kiln.guest;

import dev.kiln.guest.ContainerConfig.Bind;
import dev.kiln.guest.ContainerConfig.Net;
import dev.kiln.guest.MachineLayout.Kind;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Composed machines booted under QEMU (TCG): a busybox root with kiln-init, and busybox
 * containers under /containers with configs written by ContainerConfig, built with `kiln build
 * dir:` (as the compose pipeline will lay them out) and run with `kiln run`. Everything is
 * checked from the console: each container prints what it sees.
 */
@Tag("slow")
class ComposedMachineBootTest {
    /** The VM's root script: waits for the services' checks, kills one service, then powers off. */
    private static final String DRIVER = "#!/bin/sh\n" + BootSupport.DRIVER_FUNCTIONS + """
            wait_for '[ -f /run/state/fetched ]'
            for s in nocap cap isolated probe; do wait_for "[ -f /run/state/$s.done ]"; done
            echo "driver: fetched=$(cat /run/state/fetched)"
            wait_for kill_crash
            wait_for '[ "$(wc -l < /run/state/crash.starts)" -ge 2 ]'
            echo "driver: crash starts=$(wc -l < /run/state/crash.starts)"
            if grep -q kiln.test=busybox /proc/cmdline; then poweroff; else /sbin/init poweroff 3; fi
            """;

    /**
     * The classic chroot escape (CAP_SYS_CHROOT is in Docker's default set): chroot into a
     * subdirectory while the working directory stays outside it, climb with "..", chroot there,
     * and list the root that was reached.
     */
    private static final String ESCAPE_C = """
            #include <dirent.h>
            #include <stdio.h>
            #include <sys/stat.h>
            #include <unistd.h>
            int main(void) {
                mkdir("/tmp/escape", 0755);
                if (chroot("/tmp/escape") < 0) { perror("escape: chroot"); return 1; }
                for (int i = 0; i < 64; i++) if (chdir("..") < 0) break;
                if (chroot(".") < 0) { perror("escape: chroot ."); return 1; }
                DIR *d = opendir("/");
                if (!d) { perror("escape: opendir"); return 1; }
                printf("escape: root=");
                for (struct dirent *e; (e = readdir(d));) if (e->d_name[0] != '.') printf("%s ", e->d_name);
                printf("\\n");
                return 0;
            }
            """;

    @TempDir
    static Path tmp;
    static Path escape;
    static Path kernel;
    static Path image;
    static Path initramfs;

    @BeforeAll
    static void machine() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox");
        Path busybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        escape = compileEscape();
        Path root = tmp.resolve("machine");
        BootSupport.busyboxRoot(root, busybox);

        container(root, busybox, Kind.ONBOOT, 0, "setup", new ContainerConfig(sh("""
                echo "setup: pid=$$ host=$(hostname)"
                echo "setup: root=$(ls / | tr '\\n' ' ')"
                [ -e /containers ] && echo "setup: containers=visible" || echo "setup: containers=absent"
                echo 'hello from onboot' > /state/index.html
                chmod 1777 /state
                sleep 1
                echo "setup: done"
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/state")), null, false, 60, null));
        container(root, busybox, Kind.ONBOOT, 1, "fails", ContainerConfig.of(sh("exit 5")));
        container(root, busybox, Kind.SERVICE, 0, "web", new ContainerConfig(sh("""
                echo "web: pid=$$"
                exec httpd -f -p 8080 -h /www
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/www:ro")), null, false, 0, null));
        container(root, busybox, Kind.SERVICE, 1, "fetch", new ContainerConfig(sh("""
                echo "fetch: pid=$$ host=$(hostname)"
                echo "fetch: root=$(ls / | tr '\\n' ' ')"
                echo "fetch: processes=$(ps -o comm | tail -n +2 | sort -u | tr '\\n' ' ')"
                echo "fetch: up=$(for i in /sys/class/net/*; do [ $(( $(cat $i/flags) & 1 )) = 1 ] && printf '%s ' ${i##*/}; done)"
                echo "fetch: dns=$(cat /etc/resolv.conf)"
                echo x 2>/dev/null > /etc/resolv.conf && echo "fetch: resolv.conf writable" || echo "fetch: resolv.conf read-only"
                until wget -q -O /tmp/got http://127.0.0.1:8080/index.html; do sleep 0.2; done
                echo "fetch: got $(cat /tmp/got)"
                cp /tmp/got /out/fetched
                exec sleep 1000000
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/out")), null, false, 0, null));
        container(root, busybox, Kind.SERVICE, 2, "nocap", new ContainerConfig(sh(checkLowPort("nocap", 81)), null, null,
                "app", null, null, List.of(Bind.parse("/run/state:/r")), null, false, 0, null));
        container(root, busybox, Kind.SERVICE, 3, "cap", new ContainerConfig(sh(checkLowPort("cap", 80)), null, "/home/app",
                "app", List.of("44"), List.of("CAP_NET_BIND_SERVICE"), List.of(Bind.parse("/run/state:/r")), null, false,
                0, null));
        container(root, busybox, Kind.SERVICE, 4, "isolated", new ContainerConfig(sh("""
                echo "isolated: up=$(for i in /sys/class/net/*; do [ $(( $(cat $i/flags) & 1 )) = 1 ] && printf '%s ' ${i##*/}; done)"
                echo "isolated: dns=$(cat /etc/resolv.conf)"
                touch /r/isolated.done
                exec sleep 1000000
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/r")), Net.NONE, false, 0, null));
        container(root, busybox, Kind.SERVICE, 5, "crash", new ContainerConfig(sh("""
                echo "crash: start"
                echo started >> /s/crash.starts
                exec sleep 100001
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/s")), null, false, 0, null));
        // root with Docker's default set (CAP_MKNOD among it), on a read-only root
        container(root, busybox, Kind.SERVICE, 6, "probe", new ContainerConfig(sh("""
                touch /new 2>/dev/null && echo "probe: root writable" || echo "probe: root read-only"
                touch /tmp/new && echo "probe: tmp writable"
                if [ -f /sys/block/vda/dev ]; then
                    mknod /tmp/vda b $(tr ':' ' ' < /sys/block/vda/dev) && echo "probe: made a node for vda"
                    head -c 512 /tmp/vda > /dev/null 2>&1 && echo "probe: disk readable" || echo "probe: disk node unusable"
                fi
                echo 1 2>/dev/null > /proc/sys/vm/drop_caches && echo "probe: proc/sys writable" || echo "probe: proc/sys read-only"
                echo "probe: dev=$(ls /dev | tr '\\n' ' ')"
                grep NoNewPrivs /proc/self/status | tr -d '\\t' | sed 's/^/probe: /'
                /usr/bin/escape
                touch /r/probe.done
                exec sleep 1000000
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/r")), null, true, 0, null));
        Files.copy(escape, root.resolve(MachineLayout.rootfs(Kind.SERVICE, 6, "probe")).resolve("usr/bin/escape"),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        container(root, busybox, Kind.ONSHUTDOWN, 0, "goodbye", new ContainerConfig(sh("""
                echo "goodbye: $(cat /state/index.html)"
                """), null, null, null, null, null, List.of(Bind.parse("/run/state:/state:ro")), null, false, 30, null));

        Path driver = Files.writeString(tmp.resolve("driver.sh"), DRIVER);
        image = tmp.resolve("machine.ext4");
        initramfs = tmp.resolve("machine.cpio.gz");
        BootSupport.CliRun build = BootSupport.kiln("build", "dir:" + root, "-o", image.toString(), "--format",
                "initramfs=" + initramfs, "--init", "kiln", "--script", driver.toString(), "-q");
        assertThat(build.exit()).as(build.err()).isZero();
    }

    /**
     * The escape program, static; as a control, it does escape a plain chroot on this machine
     * (when the test runs as root), so its failing in a container means something.
     */
    private static Path compileEscape() throws IOException {
        String cc = Tools.available("musl-gcc") ? "musl-gcc" : "gcc";
        Tools.assumeTools(cc);
        Path source = Files.writeString(tmp.resolve("escape.c"), ESCAPE_C);
        Path program = tmp.resolve("escape");
        Tools.check(cc, "-static", "-Os", "-o", program.toString(), source.toString());
        if (Tools.isRoot()) {
            Path jail = Files.createDirectories(tmp.resolve("jail/tmp")).getParent();
            Files.copy(program, jail.resolve("escape"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            String out = Tools.check("chroot", jail.toString(), "/escape");
            assertThat(out).as("the escape leaves a plain chroot").startsWith("escape: root=").contains(" proc ");
        }
        return program;
    }

    /** A busybox root for the container, and its config, where MachineLayout puts them. */
    private static void container(Path root, Path busybox, Kind kind, int position, String name, ContainerConfig config)
            throws IOException {
        BootSupport.busyboxRoot(root.resolve(MachineLayout.rootfs(kind, position, name)), busybox);
        Files.write(root.resolve(MachineLayout.config(kind, position, name)), config.bytes());
    }

    private static List<String> sh(String script) {
        return List.of("/bin/sh", "-c", script);
    }

    /** A service that reports its ids and capabilities and whether it may listen on a port below 1024. */
    private static String checkLowPort(String name, int port) {
        return """
                echo "NAME: uid=$(id -u) groups=$(id -G) $(grep -E 'CapEff|CapAmb' /proc/self/status | tr -d '\\t' | tr '\\n' ' ')"
                httpd -p 127.0.0.1:PORT 2>/dev/null && echo "NAME: bindPORT=ok" || echo "NAME: bindPORT=denied"
                touch /r/NAME.done
                exec sleep 1000000
                """.replace("NAME", name).replace("PORT", Integer.toString(port));
    }

    private static BootSupport.CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--kernel", kernel.toString(), "--accel", "tcg", "--net",
                "--timeout", "300s"));
        all.addAll(Arrays.asList(args));
        return BootSupport.kiln(all.toArray(String[]::new));
    }

    @Test
    void theMachineRunsOnbootThenServicesThenOnshutdown() {
        long start = System.nanoTime();
        BootSupport.CliRun r = run(image.toString(), "--append", "quiet");
        List<String> lines = r.lines();

        assertThat(r.exit()).as("kiln-init poweroff 3 sets the status").isEqualTo(3);
        // onboot: in order, each to completion, before any service; a failure is printed and the boot goes on
        assertThat(lines).containsSubsequence("kiln-init: machine: 2 onboot, 7 services, 1 onshutdown",
                "[setup] setup: pid=1 host=setup",
                "[setup] setup: done", "kiln-init: onboot setup exited with status 0",
                "kiln-init: onboot fails exited with status 5", "kiln-init: all 7 services started",
                "kiln-init: running script /etc/kiln/script");
        int lastOnboot = lines.indexOf("kiln-init: onboot fails exited with status 5");
        int firstService = indexOfFirst(lines, "kiln-init: service ");
        assertThat(lastOnboot).isNotNegative().isLessThan(firstService);
        // each sees its own root only, as PID 1 of its own namespace, with its name as host name
        assertThat(lines).contains("[setup] setup: root=bin data dev etc proc sbin state sys tmp usr www ",
                "[setup] setup: containers=absent", "[web] web: pid=1",
                "[fetch] fetch: pid=1 host=fetch", "[fetch] fetch: root=bin data dev etc out proc sbin sys tmp usr www ");
        String processes = line(lines, "[fetch] fetch: processes=");
        assertThat(processes).contains("sh").doesNotContain("httpd", "sleep", "init");
        // onboot wrote a file into a bind, web serves it, fetch gets it over the host network
        assertThat(lines).contains("[fetch] fetch: got hello from onboot", "[script] driver: fetched=hello from onboot");
        assertThat(lines).contains("[fetch] fetch: up=eth0 lo ", "[isolated] isolated: up=lo ");
        // with the VM's network comes the VM's resolv.conf (kiln run --net: QEMU's resolver), read-only
        assertThat(lines).contains("[fetch] fetch: dns=nameserver 10.0.2.3", "[fetch] fetch: resolv.conf read-only",
                "[isolated] isolated: dns=" + BootSupport.IMAGE_RESOLV_CONF.strip());
        // a non-root user has no capabilities by default, and those given when listed
        assertThat(lines).contains("[nocap] nocap: uid=1000 groups=1000 29 CapEff:0000000000000000 CapAmb:0000000000000000 ",
                "[nocap] nocap: bind81=denied",
                "[cap] cap: uid=1000 groups=1000 29 44 CapEff:0000000000000400 CapAmb:0000000000000400 ",
                "[cap] cap: bind80=ok");
        // the device rules without a device cgroup, /proc/sys, no_new_privs, a read-only root
        assertThat(lines).contains("[probe] probe: root read-only", "[probe] probe: tmp writable",
                "[probe] probe: made a node for vda", "[probe] probe: disk node unusable",
                "[probe] probe: proc/sys read-only", "[probe] probe: NoNewPrivs:1",
                "[probe] probe: dev=fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ");
        assertEscapeFails(lines);
        // a killed service is started again
        assertThat(lines).contains("[script] driver: killed crash");
        assertThat(lines).containsSubsequence("[crash] crash: start",
                "kiln-init: service crash exited with status 137, restarting in 1000 ms", "[crash] crash: start");
        // the driver reads the count from a file: its line and the relayed one come in either order
        assertThat(lines).contains("[script] driver: crash starts=2");
        // onshutdown runs at power-off, while the bind's data is there
        assertThat(lines).containsSubsequence("kiln-init: power-off requested, shutting down",
                "[goodbye] goodbye: hello from onboot",
                "kiln-init: onshutdown goodbye exited with status 0", "kiln-init: exit status 3");
        // each container's output is in /var/log/NAME.log of the VM's root, without the prefix
        assertThat(Ext4Image.debugfs(image, "cat /var/log/fetch.log")).contains("fetch: got hello from onboot\n")
                .doesNotContain("[fetch]");
        assertThat(Ext4Image.debugfs(image, "cat /var/log/goodbye.log")).isEqualTo("goodbye: hello from onboot\n");
        Ext4Image.assertClean(image);
        long servicesUp = r.lineNanos().get(lines.indexOf("kiln-init: all 7 services started")) - start;
        System.out.println("[timing] composed machine (TCG): kiln run start to all services started "
                + servicesUp / 1_000_000 + " ms; QEMU exit " + r.millisAfter("kiln-init: exit status 3")
                + " ms after the status line");
    }

    /** The same machine as an initramfs, booted with no disk; busybox's poweroff ends it (status 0). */
    @Test
    void theSameMachineRunsFromAnInitramfs() {
        BootSupport.CliRun r = run("--initrd", initramfs.toString(), "--append", "quiet kiln.test=busybox");
        List<String> lines = r.lines();

        assertThat(r.exit()).isZero();
        assertThat(lines).containsSubsequence("[setup] setup: done", "kiln-init: onboot setup exited with status 0",
                "kiln-init: all 7 services started", "[script] driver: crash starts=2",
                "kiln-init: power-off requested, shutting down", "[goodbye] goodbye: hello from onboot",
                "kiln-init: exit status 0");
        assertThat(lines).contains("[setup] setup: root=bin data dev etc proc sbin state sys tmp usr www ",
                "[setup] setup: containers=absent", "[fetch] fetch: got hello from onboot",
                "[fetch] fetch: root=bin data dev etc out proc sbin sys tmp usr www ", "[isolated] isolated: up=lo ",
                "[cap] cap: bind80=ok", "[nocap] nocap: bind81=denied", "[probe] probe: root read-only");
        assertEscapeFails(lines); // in an initramfs the VM's root is the kernel's rootfs, which pivot_root cannot leave
    }

    /** The chroot escape in the probe container found its own root again, not the VM's. */
    private static void assertEscapeFails(List<String> lines) {
        String reached = line(lines, "[probe] escape: root=").substring("[probe] escape: root=".length());
        assertThat(reached.split(" ")).containsExactlyInAnyOrder("bin", "data", "dev", "etc", "proc", "r", "sbin", "sys",
                "tmp", "usr", "www");
    }

    /**
     * With onboot_failure=poweroff in init.conf, an onboot container that fails (here: killed
     * at its timeout) stops the machine with its status: no later onboot entry and no service
     * starts, the onshutdown entries still run.
     */
    @Test
    void aFailedOnbootStopsTheMachineWhenToldTo() throws IOException {
        Path busybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        Path root = tmp.resolve("strict");
        BootSupport.busyboxRoot(root, busybox);
        ContainerConfig slow = new ContainerConfig(sh("echo slow: started; exec sleep 60"), null, null, null, null, null,
                null, null, false, 15, null);   // long enough for a loaded TCG host to start it, far below its sleep
        container(root, busybox, Kind.ONBOOT, 0, "slow", slow);
        container(root, busybox, Kind.ONBOOT, 1, "later", ContainerConfig.of(sh("echo later: ran")));
        container(root, busybox, Kind.SERVICE, 0, "svc", ContainerConfig.of(sh("echo svc: ran")));
        container(root, busybox, Kind.ONSHUTDOWN, 0, "bye", ContainerConfig.of(sh("echo bye: ran")));
        // what the compose pipeline will write into init.conf; --file replaces the one kiln build writes
        Path initConf = Files.write(tmp.resolve("strict-init.conf"),
                new InitConf().put(InitConf.Key.ONBOOT_FAILURE, "poweroff").bytes());
        Path strict = tmp.resolve("strict.ext4");
        BootSupport.CliRun build = BootSupport.kiln("build", "dir:" + root, "-o", strict.toString(), "--init", "kiln",
                "--file", initConf + ":/etc/kiln/init.conf", "-q");
        assertThat(build.exit()).as(build.err()).isZero();
        assertThat(Ext4Image.debugfs(strict, "cat /etc/kiln/init.conf")).isEqualTo("onboot_failure=poweroff\0");

        BootSupport.CliRun r = run(strict.toString(), "--append", "quiet");

        assertThat(r.exit()).isEqualTo(137);
        assertThat(r.lines()).containsSubsequence("[slow] slow: started",
                "kiln-init: onboot slow did not finish within 15 s; killing it",
                "kiln-init: onboot slow exited with status 137",
                "kiln-init: stopping: onboot slow failed (onboot_failure=poweroff)",
                "[bye] bye: ran", "kiln-init: exit status 137");
        assertThat(r.lines()).noneMatch(l -> l.contains("later") || l.contains("svc"));
    }

    /**
     * Requests from outside the guest on q35 (which has ACPI and a PS/2 keyboard), sent through
     * QEMU's monitor: the ACPI power button (status 0) and ctrl-alt-del (SIGINT to PID 1: 130).
     * Either way the onshutdown containers run before the machine ends, also when the request
     * comes while an onboot container still runs.
     */
    @Test
    void thePowerButtonAndCtrlAltDelStopTheMachine() throws Exception {
        Tools.assumeTools("qemu-system-x86_64");
        Path busybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        Path root = tmp.resolve("idle");
        BootSupport.busyboxRoot(root, busybox);
        container(root, busybox, Kind.SERVICE, 0, "idle", ContainerConfig.of(sh("echo idle: up; exec sleep 1000000")));
        container(root, busybox, Kind.ONSHUTDOWN, 0, "bye", ContainerConfig.of(sh("echo bye: ran")));
        Path idle = tmp.resolve("idle.ext4");
        BootSupport.CliRun build = BootSupport.kiln("build", "dir:" + root, "-o", idle.toString(), "--init", "kiln", "-q");
        assertThat(build.exit()).as(build.err()).isZero();

        List<String> button = MonitorBoot.q35(kernel, idle, "[idle] idle: up", "system_powerdown");
        assertThat(button).containsSubsequence("kiln-init: power button pressed, shutting down", "[bye] bye: ran",
                "kiln-init: exit status 0");
        List<String> cad = MonitorBoot.q35(kernel, idle, "[idle] idle: up", "sendkey ctrl-alt-delete");
        assertThat(cad).containsSubsequence("kiln-init: signal 2, shutting down", "[bye] bye: ran",
                "kiln-init: exit status 130");

        // asked to stop while an onboot container runs: it is killed, no service starts, onshutdown runs
        container(root, busybox, Kind.ONBOOT, 0, "waits", ContainerConfig.of(sh("echo waits: up; exec sleep 1000000")));
        Path waiting = tmp.resolve("waiting.ext4");
        build = BootSupport.kiln("build", "dir:" + root, "-o", waiting.toString(), "--init", "kiln", "-q");
        assertThat(build.exit()).as(build.err()).isZero();
        List<String> early = MonitorBoot.q35(kernel, waiting, "[waits] waits: up", "system_powerdown");
        assertThat(early).containsSubsequence("kiln-init: power button pressed, shutting down",
                "kiln-init: stopping during onboot: killing waits", "kiln-init: onboot waits exited with status 137",
                "[bye] bye: ran", "kiln-init: exit status 0");
        assertThat(early).noneMatch(l -> l.contains("idle"));
    }

    /**
     * A small composed machine for arm64 (Debian's busybox-static for arm64, the aarch64
     * kiln-init), with a main program in the VM's root: it fetches what onboot wrote and the
     * service serves, and its exit stops the machine (onshutdown first) with its status.
     */
    @Test
    void anArm64MachineWithAMainProgram() throws IOException {
        Path armKernel = BootSupport.kernelArm64();
        Tools.assumeTools("dpkg-deb");
        Path busybox = BootSupport.arm64Busybox();
        Path root = tmp.resolve("arm64");
        BootSupport.busyboxRoot(root, busybox);
        container(root, busybox, Kind.ONBOOT, 0, "setup", new ContainerConfig(sh(
                "echo \"setup: $(uname -m) pid=$$\"; echo 'hello from arm64 onboot' > /state/index.html"), null, null, null,
                null, null, List.of(Bind.parse("/run/state:/state")), null, false, 0, null));
        container(root, busybox, Kind.SERVICE, 0, "web", new ContainerConfig(sh("exec httpd -f -p 8080 -h /www"), null, null,
                null, null, null, List.of(Bind.parse("/run/state:/www:ro")), null, false, 0, null));
        container(root, busybox, Kind.ONSHUTDOWN, 0, "bye", ContainerConfig.of(sh("echo bye: ran")));
        Path arm = tmp.resolve("arm64.ext4");
        BootSupport.CliRun build = BootSupport.kiln("build", "dir:" + root, "--platform", "linux/arm64", "-o", arm.toString(),
                "--init", "kiln", "--entrypoint", "/bin/sh", "--cmd", "-c", "--cmd",
                "until wget -q -O /tmp/got http://127.0.0.1:8080/index.html; do sleep 0.2; done; echo \"main: got $(cat /tmp/got)\"; exit 7",
                "-q");
        assertThat(build.exit()).as(build.err()).isZero();

        BootSupport.CliRun r = BootSupport.kiln("run", arm.toString(), "--kernel", armKernel.toString(), "--accel", "tcg",
                "--timeout", "300s", "--append", "quiet");

        assertThat(r.exit()).as(r.err()).isEqualTo(7);
        assertThat(r.lines()).containsSubsequence("[setup] setup: aarch64 pid=1",
                "kiln-init: onboot setup exited with status 0", "kiln-init: all 1 services started",
                "main: got hello from arm64 onboot", "[bye] bye: ran", "kiln-init: exit status 7");
        Ext4Image.assertClean(arm);
    }

    private static int indexOfFirst(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static String line(List<String> lines, String prefix) {
        return lines.get(indexOfFirst(lines, prefix));
    }
}
