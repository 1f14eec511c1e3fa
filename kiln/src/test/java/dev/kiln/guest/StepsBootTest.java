package dev.kiln.guest;

import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kiln build} with build steps on real boots (QEMU TCG, x86_64), end to end through the
 * CLI on a busybox image (no package manager): copy then run, the user, working directory,
 * environment and network of a step seen from inside, every output format, a failing and a
 * timed-out step, and the step cache (a rebuild boots nothing; a changed step reruns from there).
 * Results are checked with e2fsck, debugfs, qemu-img, GNU tar and boots, not with Kiln's reader.
 */
@Tag("slow")
class StepsBootTest {
    @TempDir
    static Path tmp;
    static Path kernel;
    static Path root;

    @BeforeAll
    static void busyboxImage() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox", "qemu-img", "tar");
        root = tmp.resolve("root");
        BootSupport.busyboxRoot(root, Path.of(Tools.check("sh", "-c", "command -v busybox").trim()));
    }

    /** A directory of its own for a build's outputs (and, while it runs, its scratch disks). */
    private static Path outputs(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static BootSupport.CliRun build(Path cache, String... args) {
        List<String> all = new ArrayList<>(List.of("build", "--kernel", kernel.toString(), "--cache-dir",
                cache.toString()));
        all.addAll(Arrays.asList(args));
        return BootSupport.kiln(all.toArray(String[]::new));
    }

    /** The lines the build printed on stderr. */
    private static List<String> err(BootSupport.CliRun r) {
        return r.err().lines().toList();
    }

    private static void assertOnlyOutputs(Path dir, String... names) throws IOException {
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("outputs only: no scratch disk left")
                    .containsExactlyInAnyOrder(names);
        }
    }

    @Test
    void copyThenRunAsAUserInAWorkdirWithEnvIntoEveryFormat() throws IOException {
        Path out = outputs("formats");
        Path tool = Files.writeString(tmp.resolve("tool.sh"), "#!/bin/sh\necho \"tool ran as $(id -u) with $GREETING\"\n");
        Path spec = Files.writeString(tmp.resolve("formats.yaml"), """
                image: dir:%s
                steps:
                  - copy: {source: %s, path: /usr/local/bin/tool, mode: 0755}
                  - run: GREETING=hi tool > /made-by-tool.txt; cat /etc/resolv.conf; test -e /sys/class/net/eth0 && echo has-eth0; echo "cwd $(pwd) stdin $(readlink /proc/self/fd/0) cpus $(nproc)"; grep MemTotal /proc/meminfo
                  - run:
                      command: "{ id; pwd; env | sort; } > report.txt; touch owned; tool"
                      user: app
                      workdir: /srv/work
                      env: {GREETING: hello, PATH: "/usr/local/bin:/usr/bin:/bin"}
                  - run: {command: "ls /sys/class/net; test -e /sys/class/net/eth0 || echo no-eth0", network: none}
                """.formatted(root, tool));
        Path cache = tmp.resolve("cache-formats");
        BootSupport.CliRun r = build(cache, "-f", spec.toString(), "--init", "none", "--build-cpus", "2",
                "--build-mem", "320M", "-o", out.resolve("rootfs.ext4").toString(), "--format", "qcow2", "--format", "tar");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(err(r)).containsSubsequence(
                "kiln: step 1/4: copy: " + tool + " to /usr/local/bin/tool",
                "kiln: step 2/4: run: GREETING=hi tool > /made-by-tool.txt; cat /etc/resolv.conf; test -e "
                        + "/sys/class/net/eth0 && echo has-eth0; echo \"cwd $(pwd) stdin $(readlink /proc/self/fd/0) cpus "
                        + "$(nproc)\"; grep MemTotal /proc/meminfo",
                "[step 2] nameserver 10.0.2.3",
                "[step 2] has-eth0",
                // no WorkingDir in the image: /; stdin /dev/null; the VM of --build-cpus
                "[step 2] cwd / stdin /dev/null cpus 2",
                "[step 3] tool ran as 1000 with hello",
                "[step 4] no-eth0");
        // the VM of --build-mem 320M: what the kernel keeps for itself aside, the rest
        assertThat(err(r)).anySatisfy(l -> assertThat(l).matches("\\[step 2] MemTotal: +[0-9]+ kB").satisfies(m -> assertThat(
                Long.parseLong(m.replaceAll(".*: +([0-9]+) kB", "$1"))).isBetween(200_000L, 320L * 1024)));
        assertThat(err(r)).anyMatch(l -> l.matches("kiln: step 2/4: done: boot [0-9.]+ s, command [0-9.]+ s, VM total "
                + "[0-9.]+ s, read back [0-9.]+ s"));

        Path ext4 = out.resolve("rootfs.ext4");
        Ext4Image.assertClean(ext4);
        assertThat(Ext4Image.debugfs(ext4, "cat /made-by-tool.txt")).isEqualTo("tool ran as 0 with hi\n");
        assertThat(Ext4Image.debugfs(ext4, "stat /usr/local/bin/tool")).contains("Mode:  0755");
        List<String> report = Ext4Image.debugfs(ext4, "cat /srv/work/report.txt").lines().toList();
        assertThat(report.get(0)).startsWith("uid=1000(app) gid=1000(app)");
        assertThat(report).contains("/srv/work", "GREETING=hello", "HOME=/home/app", "PWD=/srv/work",
                "PATH=/usr/local/bin:/usr/bin:/bin");
        assertThat(Ext4Image.debugfs(ext4, "stat /srv/work/owned")).containsPattern("User: +1000 +Group: +1000 ");
        // the image's own resolv.conf, not the NAT's the steps saw
        assertThat(Ext4Image.debugfs(ext4, "cat /etc/resolv.conf")).isEqualTo(BootSupport.IMAGE_RESOLV_CONF);
        // kiln-init's mount points were not in the image, and are not in the result
        for (String path : List.of("/proc", "/sys", "/dev", "/run")) {
            Ext4Image.assertAbsent(ext4, path);
        }
        assertThat(Tools.check("qemu-img", "check", out.resolve("rootfs.qcow2").toString()))
                .contains("No errors were found");
        assertThat(Tools.check("tar", "-tf", out.resolve("rootfs.tar").toString()).lines())
                .contains("made-by-tool.txt", "srv/work/owned").doesNotContain("proc/", "run/");
        assertOnlyOutputs(out, "rootfs.ext4", "rootfs.qcow2", "rootfs.tar");

        // The steps run before Kiln's guest files: other guest options (and other VM options) take
        // every step from the cache; --dns is what the output's resolv.conf holds. The initramfs and
        // kernel+initrd (its kernel the steps' one) boot and show the result.
        Path boot = outputs("formats-boot");
        BootSupport.CliRun again = build(cache, "-f", spec.toString(), "--init", "kiln", "--hostname", "built",
                "--dns", "192.0.2.53", "--format", "initramfs=" + boot.resolve("rootfs.cpio.gz"),
                "--format", "kernel+initrd=" + boot.resolve("set"), "--format", "tar=" + boot.resolve("rootfs.tar"));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(err(again)).contains("kiln: step 4/4: cached: run: ls /sys/class/net; test -e /sys/class/net/eth0 || "
                + "echo no-eth0").noneMatch(l -> l.startsWith("[step "));
        assertThat(Tools.check("tar", "-xOf", boot.resolve("rootfs.tar").toString(), "etc/resolv.conf"))
                .isEqualTo("nameserver 192.0.2.53\n");
        assertThat(Files.mismatch(boot.resolve("set/kernel"), kernel)).isEqualTo(-1);
        BootSupport.CliRun booted = BootSupport.kiln("run", "--initrd", boot.resolve("rootfs.cpio.gz").toString(),
                "--kernel", kernel.toString(), "--accel", "tcg", "--timeout", "120s", "--", "/bin/cat", "/made-by-tool.txt");
        assertThat(booted.exit()).as(booted.err()).isZero();
        assertThat(booted.lines()).contains("tool ran as 0 with hi");
        assertOnlyOutputs(boot, "rootfs.cpio.gz", "set", "rootfs.tar");
    }

    /**
     * An image of a static binary and nothing else: what kiln-init made on the disk for the step
     * (the mount points, /etc for resolv.conf's mount point) is not in the result.
     */
    @Test
    void anImageWithoutEtcOrMountPointsGetsNoneFromASteps() throws IOException {
        Path bare = Files.createDirectories(tmp.resolve("bare/bin"));
        Files.copy(root.resolve("bin/busybox"), bare.resolve("busybox"));
        Files.createSymbolicLink(bare.resolve("sh"), Path.of("busybox"));
        Path out = outputs("bare-out");
        BootSupport.CliRun r = build(tmp.resolve("cache-bare"), "dir:" + bare.getParent(), "--init", "none", "-o",
                out.resolve("rootfs.ext4").toString(), "--run", "/bin/busybox cat /etc/resolv.conf; /bin/busybox ls /; "
                        + "/bin/busybox mkdir /made");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("[step 1] nameserver 10.0.2.3", "[step 1] proc", "[step 1] etc");
        Path ext4 = out.resolve("rootfs.ext4");
        Ext4Image.assertClean(ext4);
        assertThat(Ext4Image.debugfs(ext4, "ls /").split("\\s+")).contains("bin", "made", "etc")
                .doesNotContain("proc", "sys", "dev", "run");
        // /etc is the guest stage's (etc/kiln), nothing of the step's
        assertThat(Ext4Image.debugfs(ext4, "ls /etc").split("\\s+")).contains("kiln").doesNotContain("resolv.conf");
        // the tree the step left, as cached: no /etc at all
        Path cached;
        try (var trees = Files.list(tmp.resolve("cache-bare/steps"))) {
            cached = trees.filter(p -> p.toString().endsWith(".ext4")).findFirst().orElseThrow();
        }
        Ext4Image.assertClean(cached);
        assertThat(Ext4Image.debugfs(cached, "ls /").split("\\s+")).contains("bin", "made")
                .doesNotContain("etc", "proc", "sys", "dev", "run");
    }

    /**
     * Steps on top of an existing ext4 image ({@code ext4:}, here one Kiln made): the image's
     * config (its /etc/kiln/image.json) gives the step its Env and WorkingDir, the step's file is
     * in the output with the image's own, and a rebuild takes the step from the cache (the key
     * of a source without a manifest digest is its tree's digest).
     */
    @Test
    void stepsRunOnAnExt4Image() throws IOException {
        Path out = outputs("ext4-source");
        Path base = out.resolve("base.ext4");
        BootSupport.CliRun made = BootSupport.kiln("build", "dir:" + root, "--init", "none", "--env", "FROM_IMAGE=yes",
                "--workdir", "/srv/base", "-o", base.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        Path cache = tmp.resolve("cache-ext4-source");
        String[] args = {"ext4:" + base, "--init", "none", "--run", "echo \"in $(pwd) with $FROM_IMAGE\" | tee made", "-o"};

        BootSupport.CliRun r = build(cache, concat(List.of(args), out.resolve("stepped.ext4").toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(err(r)).contains("[step 1] in /srv/base with yes");
        Path stepped = out.resolve("stepped.ext4");
        Ext4Image.assertClean(stepped);
        assertThat(Ext4Image.debugfs(stepped, "cat /srv/base/made")).isEqualTo("in /srv/base with yes\n");
        assertThat(Ext4Image.debugfs(stepped, "cat /etc/resolv.conf")).isEqualTo(BootSupport.IMAGE_RESOLV_CONF);

        BootSupport.CliRun again = build(cache, concat(List.of(args), out.resolve("again.ext4").toString()));
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(err(again)).contains("kiln: step 1/1: cached: run: echo \"in $(pwd) with $FROM_IMAGE\" | tee made")
                .noneMatch(l -> l.startsWith("[step "));
        assertThat(Files.mismatch(stepped, out.resolve("again.ext4"))).isEqualTo(-1);
        assertOnlyOutputs(out, "base.ext4", "stepped.ext4", "again.ext4");
    }

    /** One message: the step's number, command, status and last lines; nothing written, no scratch left. */
    @Test
    void aFailingStepFailsTheBuildAndWritesNothing() throws IOException {
        Path out = outputs("failing");
        BootSupport.CliRun r = build(tmp.resolve("cache-failing"), "dir:" + root, "-o",
                out.resolve("rootfs.ext4").toString(), "--run", "echo fine > /fine",
                "--run", "for i in 1 2 3; do echo line-$i; done; echo oops >&2; exit 7", "--run", "echo never");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("[step 2] line-1").doesNotContain("[step 3]", "step 3/3");
        assertThat(r.err()).endsWith("kiln: step 2 (for i in 1 2 3; do echo line-$i; done; echo oops >&2; exit 7) "
                + "failed with exit status 7; its last lines:\n  line-1\n  line-2\n  line-3\n  oops\n");
        assertOnlyOutputs(out);
    }

    @Test
    void aStepPastTheTimeLimitIsStoppedAndNamed() throws IOException {
        Path out = outputs("timeout");
        long start = System.nanoTime();
        BootSupport.CliRun r = build(tmp.resolve("cache-timeout"), "dir:" + root, "-o",
                out.resolve("rootfs.ext4").toString(), "--step-timeout", "5s",
                "--run", "echo started; sleep 1000 & sleep 1000");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).endsWith("kiln: step 1 (echo started; sleep 1000 & sleep 1000) ran past --step-timeout 5s "
                + "and was stopped; its last lines:\n  started\n");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stopped, not waited for").isLessThan(
                Duration.ofMinutes(4));
        assertOnlyOutputs(out);
    }

    /** kiln stopped (SIGTERM, as Ctrl-C) while a step runs: QEMU goes with it, and the scratch disk. */
    @Test
    void aBuildStoppedDuringAStepLeavesNoVmAndNoScratchDisk() throws Exception {
        Tools.assumeTools("pgrep");
        Path out = outputs("stopped");
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp-stopped"));
        List<String> cmd = new java.util.ArrayList<>(KilnProcess.command("build", "dir:" + root, "--kernel",
                kernel.toString(), "--cache-dir", tmp.resolve("cache-stopped").toString(), "-o",
                out.resolve("rootfs.ext4").toString(), "--run", "echo started; sleep 600"));
        cmd.add(1, "-Djava.io.tmpdir=" + javaTmp);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null"))).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null && !line.equals("[step 1] started")) {
                System.out.println(line);
            }
            assertThat(line).as("the step started").isEqualTo("[step 1] started");
            assertThat(Tools.run("pgrep", "-f", out.toString()).exitCode()).as("QEMU runs on the scratch disk").isZero();
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Tools.run("pgrep", "-f", out.toString()).exitCode() == 0 && System.nanoTime() < until) {
            Thread.sleep(200);
        }
        assertThat(Tools.run("pgrep", "-f", out.toString()).exitCode()).as("no QEMU left").isEqualTo(1);
        assertOnlyOutputs(out);
        try (var left = Files.list(javaTmp)) {
            assertThat(left.map(f -> f.getFileName().toString())).as("the step's initramfs (it may hold secrets)")
                    .noneMatch(n -> n.contains("step-initramfs"));
        }
    }

    /** Runs kiln in a child process whose PATH has GNU tar (for dir:) and no QEMU at all. */
    private static Tools.Result buildWithoutQemu(String... args) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(tmp.resolve("bin-without-qemu"));
        if (!Files.exists(bin.resolve("tar"))) {
            Files.createSymbolicLink(bin.resolve("tar"), Path.of(Tools.check("sh", "-c", "command -v tar").trim()));
        }
        ProcessBuilder pb = KilnProcess.builder(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null")));
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        Tools.Result result = new Tools.Result(p.exitValue(), stdout.join(), stderr.join());
        System.out.print(result.stderr());
        return result;
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> cacheArgs(Path cache, Path out, String step2) {
        return List.of("build", "dir:" + root, "--kernel", kernel.toString(), "--cache-dir", cache.toString(),
                "--init", "none", "-o", out.toString(),
                "--run", "echo one | tee /one; cat /proc/sys/kernel/random/uuid > /boot-1",
                "--run", step2 + "; cat /proc/sys/kernel/random/uuid > /boot-2",
                "--run", "echo three | tee /three; cat /proc/sys/kernel/random/uuid > /boot-3");
    }

    /**
     * The same build again takes every step from the cache: no VM boots (QEMU is not even on its
     * PATH), the log says "cached" for each step, it is faster, and the output is the same bytes.
     * Changing the second of three steps reruns from the second; --no-cache reruns all.
     */
    @Test
    void theStepCacheSkipsWhatDidNotChange() throws Exception {
        Path cache = tmp.resolve("cache-steps");
        Path out = outputs("cache");
        Path first = out.resolve("first.ext4");
        long t0 = System.nanoTime();
        Tools.Result built = KilnProcess.run(600, cacheArgs(cache, first, "echo two | tee /two").toArray(String[]::new));
        long firstNanos = System.nanoTime() - t0;
        System.out.print(built.stderr());
        assertThat(built.exitCode()).as(built.stderr()).isZero();
        assertThat(built.stderr()).contains("[step 1] one", "[step 2] two", "[step 3] three", "kiln: step 3/3: done: boot")
                .doesNotContain("cached");
        String boot1 = Ext4Image.debugfs(first, "cat /boot-1");

        Path again = out.resolve("again.ext4");
        t0 = System.nanoTime();
        Tools.Result cached = buildWithoutQemu(cacheArgs(cache, again, "echo two | tee /two").toArray(String[]::new));
        long cachedNanos = System.nanoTime() - t0;
        assertThat(cached.exitCode()).as(cached.stderr()).isZero();
        assertThat(cached.stderr().lines().filter(l -> l.startsWith("kiln: step "))).containsExactly(
                "kiln: step 1/3: cached: run: echo one | tee /one; cat /proc/sys/kernel/random/uuid > /boot-1",
                "kiln: step 2/3: cached: run: echo two | tee /two; cat /proc/sys/kernel/random/uuid > /boot-2",
                "kiln: step 3/3: cached: run: echo three | tee /three; cat /proc/sys/kernel/random/uuid > /boot-3");
        assertThat(cached.stderr()).doesNotContain("[step ", "TCG", "qemu");
        assertThat(cachedNanos).as("cached %d ms, first %d ms", cachedNanos / 1_000_000, firstNanos / 1_000_000)
                .isLessThan(firstNanos);
        System.out.printf("[timing] three busybox steps: first build %d ms, all cached %d ms%n",
                firstNanos / 1_000_000, cachedNanos / 1_000_000);
        assertThat(Files.mismatch(first, again)).as("the rebuild from the cache is the same bytes").isEqualTo(-1);

        Path changed = out.resolve("changed.ext4");
        Tools.Result rerun = KilnProcess.run(600, cacheArgs(cache, changed, "echo TWO | tee /two").toArray(String[]::new));
        System.out.print(rerun.stderr());
        assertThat(rerun.exitCode()).as(rerun.stderr()).isZero();
        assertThat(rerun.stderr()).contains("kiln: step 1/3: cached: run: echo one", "[step 2] TWO", "[step 3] three")
                .doesNotContain("[step 1] ", "step 2/3: cached", "step 3/3: cached");
        assertThat(Ext4Image.debugfs(changed, "cat /boot-1")).as("step 1's tree reused").isEqualTo(boot1);
        assertThat(Ext4Image.debugfs(changed, "cat /two")).isEqualTo("TWO\n");
        assertThat(Ext4Image.debugfs(changed, "cat /boot-3")).isNotEqualTo(Ext4Image.debugfs(first, "cat /boot-3"));
        Ext4Image.assertClean(changed);

        Path forced = out.resolve("forced.ext4");
        Tools.Result noCache = KilnProcess.run(600, concat(cacheArgs(cache, forced, "echo two | tee /two"), "--no-cache"));
        assertThat(noCache.exitCode()).as(noCache.stderr()).isZero();
        assertThat(noCache.stderr()).contains("[step 1] ", "[step 2] ", "[step 3] ").doesNotContain("cached");
        assertThat(Ext4Image.debugfs(forced, "cat /boot-1")).isNotEqualTo(boot1);

        Tools.Result ls = KilnProcess.run(120, "cache", "ls", "--cache-dir", cache.toString());
        assertThat(ls.stdout()).contains("step 1: run: echo one | tee /one", "step 2: run: echo TWO | tee /two",
                "step 3: run: echo three").containsPattern("\\n5 step trees, [0-9.]+ MiB in " + cache + "/steps\\n");
        Tools.Result keep = KilnProcess.run(120, "cache", "prune", "--older-than", "1", "--cache-dir", cache.toString());
        assertThat(keep.stdout()).contains("removed 0 step trees");
        Tools.Result prune = KilnProcess.run(120, "cache", "prune", "--cache-dir", cache.toString());
        assertThat(prune.stdout()).contains("removed 5 step trees");
        assertOnlyOutputs(out, "first.ext4", "again.ext4", "changed.ext4", "forced.ext4");
    }

    private static String[] concat(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
