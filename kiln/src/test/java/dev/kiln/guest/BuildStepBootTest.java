package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.run.StepCommand;
import dev.kiln.run.StepMachine;
import dev.kiln.run.StepResult;
import dev.kiln.run.StepRunner;
import dev.kiln.run.VmSpec;
import dev.kiln.image.ImageConfig;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Build steps on real boots (TCG): a busybox image built by Kiln with room to spare, one
 * {@link StepRunner} boot per step, and the scratch disk checked afterwards with debugfs and
 * e2fsck, never with Kiln's own reader.
 */
@Tag("slow")
class BuildStepBootTest {
    /** What the image's config says; the steps get its Env and WorkingDir, not its User. */
    private static final ImageConfig IMAGE = new ImageConfig(List.of("/usr/bin/show"), List.of(),
            List.of("PATH=/usr/bin:/bin", "FROM_IMAGE=yes"), "/data/app", "app", null, null);
    private static final Duration LIMIT = Duration.ofSeconds(180);

    @TempDir
    static Path tmp;
    static Path kernel;
    static Path image;

    @BeforeAll
    static void busyboxImage() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox");
        image = build("root", Path.of(Tools.check("sh", "-c", "command -v busybox").trim()));
    }

    /** A busybox image of 256 MiB, most of it free, as a build's scratch disk has. */
    private static Path build(String name, Path busybox) throws IOException {
        Path root = tmp.resolve(name);
        BootSupport.busyboxRoot(root, busybox);
        Path out = tmp.resolve(name + ".ext4");
        BootSupport.CliRun b = BootSupport.kiln("build", "dir:" + root, "-o", out.toString(), "-q", "--init", "none",
                "--size", "256M", "--inodes", "16384");
        assertThat(b.exit()).as(b.err()).isZero();
        return out;
    }

    /** A fresh scratch disk: a sparse copy of the image. */
    private static Path scratch(Path from, String name) {
        Path disk = tmp.resolve(name);
        Tools.check("cp", "--sparse=always", from.toString(), disk.toString());
        return disk;
    }

    private static StepRunner runner(Path kernel, Duration timeout) {
        return new StepRunner(new StepMachine(kernel, 1, "256M", timeout, VmSpec.Accel.TCG), System.err);
    }

    /** A step's result and the lines the sink received. */
    record Ran(StepResult result, List<String> output) {
    }

    private static Ran run(StepRunner runner, Path disk, StepCommand step) throws IOException, InterruptedException {
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        StepResult result = runner.run(disk, step, "step 1", line -> {
            output.add(line);
            System.out.println(line);
        });
        System.out.println("[step] " + result.outcome() + " " + result.exitStatus() + ": boot " + result.boot().toMillis()
                + " ms, step " + result.step().toMillis() + " ms, total " + result.total().toMillis() + " ms");
        return new Ran(result, List.copyOf(output));
    }

    private static StepCommand shell(String command) {
        return StepCommand.onImage(IMAGE, command, null, null, null, false);
    }

    @Test
    void aShellStepWritesFilesAndLeavesTheDiskClean() throws Exception {
        Path disk = scratch(image, "shell.ext4");
        Set<String> temporariesBefore = stepTemporaries();

        // a daemon the step leaves behind keeps writing, and holds the output pipe open: it is stopped
        Ran r = run(runner(kernel, LIMIT), disk, shell("echo made-by-step > /data/made; mkdir -p /opt/tool; echo printed;"
                + " echo to-stderr >&2; pwd; sh -c 'while :; do echo tick >> /data/ticks; sleep 0.2; done' &"));

        assertThat(r.result().succeeded()).as(r.output().toString()).isTrue();
        assertThat(r.result().exitStatus()).isZero();
        assertThat(r.output()).containsSubsequence("[step 1] printed", "[step 1] to-stderr", "[step 1] /data/app");
        assertThat(r.result().lastLines()).containsSubsequence("printed", "to-stderr", "/data/app");
        assertThat(r.result().step()).as("not waiting for the daemon").isLessThan(Duration.ofSeconds(30));
        assertThat(r.result().boot()).isPositive();
        assertThat(r.result().total()).isGreaterThan(r.result().boot().plus(r.result().step()));
        System.out.println("[timing] x86_64 busybox step under TCG: boot " + r.result().boot().toMillis() + " ms, step "
                + r.result().step().toMillis() + " ms, stop and exit "
                + r.result().total().minus(r.result().boot()).minus(r.result().step()).toMillis() + " ms");

        Ext4Image.assertClean(disk);
        assertThat(Ext4Image.debugfs(disk, "cat /data/made")).isEqualTo("made-by-step\n");
        assertThat(Ext4Image.debugfs(disk, "stat /opt/tool")).contains("Type: directory");
        // the image's WorkingDir was missing: created for the step; nothing of Kiln's machinery is left
        assertThat(Ext4Image.debugfs(disk, "stat /data/app")).contains("Type: directory");
        for (String path : List.of("/init", "/kiln", "/newroot", "/sbin/init")) {
            Ext4Image.assertAbsent(disk, path);
        }
        assertThat(stepTemporaries()).as("none left behind").isSubsetOf(temporariesBefore);
    }

    @Test
    void userWorkdirAndEnvironmentAreTheSteps() throws Exception {
        Path disk = scratch(image, "user.ext4");

        Ran r = run(runner(kernel, LIMIT), disk, StepCommand.onImage(IMAGE,
                "{ id; pwd; env | sort; } > report.txt; touch owned", List.of("ADDED=1", "FROM_IMAGE=step"), "app",
                "/srv/work", false));

        assertThat(r.result().succeeded()).as(r.output().toString()).isTrue();
        Ext4Image.assertClean(disk);
        List<String> report = Ext4Image.debugfs(disk, "cat /srv/work/report.txt").lines().toList();
        assertThat(report.get(0)).startsWith("uid=1000(app) gid=1000(app) groups=").contains("1000(app)", "29(audio)");
        assertThat(report).contains("/srv/work", "ADDED=1", "FROM_IMAGE=step", "HOME=/home/app", "PATH=/usr/bin:/bin",
                "PWD=/srv/work").doesNotContain("FROM_IMAGE=yes");
        assertThat(Ext4Image.debugfs(disk, "stat /srv/work/owned")).containsPattern("User: +1000 +Group: +1000 ");
        assertThat(Ext4Image.debugfs(disk, "stat /srv/work")).containsPattern("User: +1000 +Group: +1000 ");
    }

    /** Status 3 and the last 20 lines; report lines the step prints itself are just output. */
    @Test
    void aFailingStepGivesItsStatusAndLastLines() throws Exception {
        Path disk = scratch(image, "fail.ext4");

        Ran r = run(runner(kernel, LIMIT), disk, shell("for i in $(seq 1 30); do echo line-$i; done;"
                + " echo 'kiln-step 0123456789abcdef exit 0'; echo 'kiln-step 0123456789abcdef clean'; exit 3"));

        assertThat(r.result().outcome()).isEqualTo(StepResult.Outcome.EXITED);
        assertThat(r.result().exitStatus()).isEqualTo(3);
        assertThat(r.result().succeeded()).isFalse();
        List<String> expected = new ArrayList<>(IntStream.rangeClosed(13, 30).mapToObj(i -> "line-" + i).toList());
        expected.addAll(List.of("kiln-step 0123456789abcdef exit 0", "kiln-step 0123456789abcdef clean"));
        assertThat(r.result().lastLines()).isEqualTo(expected);
        assertThat(r.output()).hasSize(32);
        Ext4Image.assertClean(disk);
    }

    /** kiln-init stops the step at its time limit, and what it left running, and still unmounts cleanly. */
    @Test
    void aStepPastItsTimeLimitIsStoppedAndTheDiskStaysClean() throws Exception {
        Path disk = scratch(image, "timeout.ext4");

        Ran r = run(runner(kernel, Duration.ofSeconds(5)), disk,
                shell("echo started; echo partial > /data/partial; sleep 1000 & sleep 1000; echo never"));

        assertThat(r.result().outcome()).isEqualTo(StepResult.Outcome.TIMED_OUT);
        assertThat(r.result().exitStatus()).isEqualTo(-1);
        assertThat(r.result().lastLines()).containsExactly("started");
        // timed on the host from when "start" arrives, which the serial line may deliver late
        assertThat(r.result().step()).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(60));
        Ext4Image.assertClean(disk);
        assertThat(Ext4Image.debugfs(disk, "cat /data/partial")).isEqualTo("partial\n");
    }

    @Test
    void aUserTheImageDoesNotHaveIsAnErrorAndTheDiskStaysClean() {
        Path disk = scratch(image, "nouser.ext4");
        Set<String> temporariesBefore = stepTemporaries();

        assertThatThrownBy(() -> run(runner(kernel, LIMIT), disk,
                StepCommand.onImage(IMAGE, "touch /data/should-not", null, "nobody2", null, false)))
                .isInstanceOf(KilnException.class).hasMessage("step 1: user nobody2: not found in /etc/passwd");

        Ext4Image.assertClean(disk);
        Ext4Image.assertAbsent(disk, "/data/should-not");
        assertThat(stepTemporaries()).as("none left behind").isSubsetOf(temporariesBefore);
    }

    /** A panic during the step is one error line; the step printing a panic line is not taken for one. */
    @Test
    void aKernelPanicIsAnErrorButNotAPanicLineTheStepPrints() {
        Path disk = scratch(image, "panic.ext4");
        StepRunner small = new StepRunner(new StepMachine(kernel, 1, "96M", LIMIT, VmSpec.Accel.TCG), System.err);

        assertThatThrownBy(() -> run(small, disk, shell("echo 'Kernel panic - not syncing: printed by the step';"
                + " echo 1 > /proc/sys/vm/panic_on_oom; x=$(head -c 200000000 /dev/zero | tr '\\0' a)")))
                .isInstanceOf(KilnException.class).hasMessage("step 1: the guest kernel panicked: Kernel panic - not "
                        + "syncing: Out of memory: system-wide panic_on_oom is enabled");
    }

    @Test
    void aQemuFailureIsOneLineAndLeavesNoTemporaries() {
        Path disk = scratch(image, "qemu-fails.ext4");
        Set<String> temporariesBefore = stepTemporaries();
        StepRunner bad = new StepRunner(new StepMachine(kernel, 1, "lots", LIMIT, VmSpec.Accel.TCG), System.err);

        assertThatThrownBy(() -> run(bad, disk, shell("true"))).isInstanceOf(KilnException.class)
                .hasMessageStartingWith("step 1: qemu exited with status 1: qemu-system-x86_64: ")
                .hasMessageContaining("lots").hasMessageNotContaining("\n");
        assertThat(stepTemporaries()).as("none left behind").isSubsetOf(temporariesBefore);
    }

    /**
     * The network is on by default: the step reaches a server the test runs on the host
     * (10.0.2.2), and resolves names through QEMU's forwarder, named in a resolv.conf of its own;
     * the image's resolv.conf is the same afterwards.
     */
    @Test
    void theNetworkWithDnsIsOnUnlessTurnedOff() throws Exception {
        com.sun.net.httpserver.HttpServer server = BootSupport.hostServer("from-the-host\n");
        String name = "deb.debian.org";
        Set<String> addresses = hostResolves(name);
        Path disk = scratch(image, "net.ext4");
        Ran on;
        try {
            on = run(runner(kernel, LIMIT), disk, StepCommand.onImage(IMAGE,
                    "cat /etc/resolv.conf; wget -q -O - http://10.0.2.2:" + server.getAddress().getPort() + "/;"
                            + " ip -4 addr show eth0 | grep -o 'inet [0-9./]*';"
                            // UDP through two forwarders: a lost packet is asked again
                            // (judged below against the host's answers, not by the step's status)
                            + " for i in 1 2 3; do nslookup -type=a " + name + " && break; done; true",
                    null, null, null, true));
        } finally {
            server.stop(0);
        }
        assertThat(on.result().succeeded()).as(on.output().toString()).isTrue();
        // all it printed: a retried lookup can push the first lines out of the result's last 20
        List<String> printed = on.output().stream().map(l -> l.startsWith("[step 1] ") ? l.substring(9) : l).toList();
        assertThat(printed).contains("nameserver 10.0.2.3", "from-the-host", "inet 10.0.2.15/24")
                .doesNotContain("nameserver 192.0.2.1");
        if (!addresses.isEmpty()) {
            // a CDN name: the two lookups may differ in order and in part, never wholly
            assertThat(ipv4Answers(printed)).as("the guest's answers for %s, the host's: %s", name,
                    addresses).containsAnyElementsOf(addresses);
        } else {
            System.out.println("[step] the host's own name server does not resolve " + name + ": DNS checked through resolv.conf only");
        }
        Ext4Image.assertClean(disk);
        assertThat(Ext4Image.debugfs(disk, "cat /etc/resolv.conf")).isEqualTo(BootSupport.IMAGE_RESOLV_CONF);

        Ran off = run(runner(kernel, LIMIT), disk, shell("ls /sys/class/net; cat /etc/resolv.conf"));
        assertThat(off.result().succeeded()).as(off.output().toString()).isTrue();
        // no network device: loopback, and the kernel's own tunnel devices (sit0) at most
        assertThat(off.result().lastLines()).contains("lo", "nameserver 192.0.2.1").doesNotContain("eth0")
                .doesNotContain("nameserver 10.0.2.3");
        Ext4Image.assertClean(disk);
    }

    /** The same shell step in the arm64 busybox image, with the arm64 kernel (TCG on this host). */
    @Test
    void aShellStepOnArm64() throws Exception {
        Path armKernel = BootSupport.kernelArm64();
        Tools.assumeTools("dpkg-deb");
        Path armImage = build("root-arm64", BootSupport.arm64Busybox());
        Path disk = scratch(armImage, "arm64.ext4");

        Ran r = run(runner(armKernel, LIMIT), disk, shell("uname -m; echo made-by-step > /data/made; id -u"));

        assertThat(r.result().succeeded()).as(r.output().toString()).isTrue();
        assertThat(r.result().lastLines()).containsExactly("aarch64", "0");
        System.out.println("[timing] aarch64 busybox step under TCG: boot " + r.result().boot().toMillis() + " ms, step "
                + r.result().step().toMillis() + " ms, stop and exit "
                + r.result().total().minus(r.result().boot()).minus(r.result().step()).toMillis() + " ms");
        Ext4Image.assertClean(disk);
        assertThat(Ext4Image.debugfs(disk, "cat /data/made")).isEqualTo("made-by-step\n");
    }

    /** The IPv4 addresses the host's name server gives for {@code name} (not /etc/hosts); none if it fails. */
    private static Set<String> hostResolves(String name) {
        Tools.Result r = Tools.run("busybox", "nslookup", "-type=a", name);
        return r.exitCode() != 0 ? Set.of() : ipv4Answers(r.stdout().lines().toList());
    }

    /** The "Address:" lines after busybox nslookup's "Name:" line, as addresses. */
    private static Set<String> ipv4Answers(List<String> lines) {
        return lines.stream().dropWhile(l -> !l.startsWith("Name:")).filter(l -> l.startsWith("Address:"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1).trim()).filter(a -> a.matches("[0-9.]+"))
                .collect(Collectors.toSet());
    }

    /** The step initramfs temporaries in the temporary directory now. */
    private static Set<String> stepTemporaries() {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".step-initramfs."))
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
