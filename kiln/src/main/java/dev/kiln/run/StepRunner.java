package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.guest.KilnInit;
import dev.kiln.io.Temporaries;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one build step in a microVM on an ext4 scratch disk: QEMU boots the kernel with a small
 * initramfs of Kiln's (kiln-init and the step config, see {@link StepInitramfs}), kiln-init makes
 * the scratch disk the root, runs the command, reports on the console, and leaves the disk
 * unmounted cleanly. A step that succeeded leaves a clean disk, which the caller reads back.
 *
 * <p>The step's time limit is kept by kiln-init inside the guest, so a step that runs too long
 * is stopped and the disk still unmounted cleanly; the host kills QEMU only when the guest does
 * not report in time ({@link #GUEST_MARGIN} later), or when a boot or shutdown hangs.
 *
 * <p>One runner serves every step of a build: the accelerator is chosen once.
 */
public final class StepRunner {
    /** How many of the step's last output lines a result keeps. */
    public static final int LAST_LINES = 20;
    /** From starting QEMU until the command starts: generous, for TCG on a busy machine. */
    static final Duration BOOT_LIMIT = Duration.ofMinutes(5);
    /** How much later than the guest should have stopped a step the host kills QEMU. */
    static final Duration GUEST_MARGIN = Duration.ofSeconds(30);
    /** From the command's end until the disk is unmounted: stopping what is left, writing out the page cache. */
    static final Duration STOP_LIMIT = Duration.ofMinutes(5);
    /** From the guest's last report until QEMU has exited by itself. */
    static final Duration EXIT_LIMIT = Duration.ofSeconds(30);
    /** The argument that makes kiln-init, as /init of the initramfs, run a step (PROTOCOL.md). */
    static final String STEP_ARGUMENT = "kiln-step";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StepMachine machine;
    private final PrintStream log;
    private Qemu.Target target;
    private Path qemu;

    /** @param log receives Kiln's own notes (the accelerator choice) */
    public StepRunner(StepMachine machine, PrintStream log) {
        this.machine = machine;
        this.log = log;
    }

    /**
     * Runs {@code step} on {@code scratch} (a raw ext4 image with room for what the step writes),
     * streaming its output lines to {@code output} prefixed "[LABEL] ".
     *
     * @param label names the step in output lines and in errors, such as "step 2"
     * @return how the command ended; the scratch disk is clean and fit to read only when it succeeded
     * @throws KilnException, with one line starting with the label, when the step could not be
     *                        run or reported: a kernel panic, a QEMU failure, kiln-init's error (a
     *                        user not in the image), a boot that hangs, a disk not left clean
     */
    public StepResult run(Path scratch, StepCommand step, String label, Consumer<String> output)
            throws IOException, InterruptedException {
        String nonce = HexFormat.of().formatHex(randomBytes());
        VmSpec spec = new VmSpec(null, machine.kernel(), null, "rdinit=/init quiet " + STEP_ARGUMENT, machine.memory(),
                machine.cpus(), Duration.ZERO, machine.accel(), null, null, List.of(scratch), step.network(), null, null,
                false);
        Qemu.Target t = target(spec);
        byte[] initramfs = StepInitramfs.build(KilnInit.bytes(t.arch().toString()), step.config(nonce, machine.timeout()));
        // the config may hold secrets (environment values): readable by this user only, always deleted
        Temporaries.Claim claim = Temporaries.claim(Path.of(System.getProperty("java.io.tmpdir")), "step-initramfs");
        // Ctrl-C or SIGTERM halts the JVM before the finally below runs
        Thread deleteOnExit = new Thread(() -> releaseQuietly(claim), "kiln-step-initramfs-cleanup");
        Runtime.getRuntime().addShutdownHook(deleteOnExit);
        try {
            Path file = claim.temporary();
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, initramfs);
            List<String> cmd = Qemu.command(qemu, spec.withInitrd(file), t, null);
            return boot(cmd, scratch, new StepConsole(nonce, "[" + label + "] ", output, LAST_LINES), label);
        } finally {
            removeHook(deleteOnExit);
            claim.release();
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    /** The architecture, machine and accelerator, chosen at the first step. */
    private synchronized Qemu.Target target(VmSpec spec) throws IOException {
        if (target == null) {
            Arch arch = Qemu.arch(spec);
            qemu = Qemu.find(arch, System.getenv("PATH"));
            target = new Qemu.Target(arch, Qemu.machine(spec, arch),
                    VmRunner.useKvm(machine.accel(), arch, qemu, machine.kernel(), log));
        }
        return target;
    }

    private StepResult boot(List<String> cmd, Path scratch, StepConsole console, String label)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        // Ctrl-C or SIGTERM ends kiln, not QEMU: without this the step would run on, on a scratch
        // disk already deleted, until it finished by itself
        Thread killOnExit = new Thread(process::destroyForcibly, "kiln-step-vm-cleanup");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            Thread errReader = VmRunner.copier(process.getErrorStream(), stderr);
            Thread outReader = new Thread(() -> pump(process.getInputStream(), console), "step-console");
            outReader.setDaemon(true);
            outReader.start();

            StepConsole.Phase overdue = null;
            while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
                StepConsole.Phase phase = console.phase();
                if (System.nanoTime() > deadline(phase, console, start, machine.timeout())) {
                    overdue = phase;
                    break;
                }
            }
            stop(process);
            outReader.join(2000);
            errReader.join(2000);
            long end = System.nanoTime();
            return outcome(console, overdue, scratch, label, start, end,
                    process.exitValue(), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            stop(process);
            removeHook(killOnExit);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private static void releaseQuietly(Temporaries.Claim claim) {
        try {
            claim.release();
        } catch (IOException e) {
            // best effort at exit: a later run's sweep removes what is left
        }
    }

    /** When the host stops waiting for the guest in {@code phase}: QEMU started at {@code start}. */
    static long deadline(StepConsole.Phase phase, StepConsole console, long start, Duration timeout) {
        return switch (phase) {
            case BOOTING -> start + BOOT_LIMIT.toNanos();
            case RUNNING -> timeout.isZero() ? Long.MAX_VALUE
                    : console.startedAt() + timeout.toNanos() + GUEST_MARGIN.toNanos();
            case STOPPING -> console.endedAt() + STOP_LIMIT.toNanos();
            case DONE -> console.doneAt() + EXIT_LIMIT.toNanos();
        };
    }

    /** Ends QEMU if it still runs; also when this thread is interrupted, QEMU is not left behind. */
    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Console bytes to lines; the kernel's tty turns "\n" into "\r\n", which StepConsole strips. */
    private static void pump(InputStream in, StepConsole console) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        console.line(line.toString(StandardCharsets.UTF_8), System.nanoTime());
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException ignored) {
            // QEMU ended
        }
        if (line.size() > 0) {
            console.line(line.toString(StandardCharsets.UTF_8), System.nanoTime());
        }
    }

    /**
     * What a finished boot means: a result only when kiln-init reported the command's end and a
     * clean disk (which the superblock confirms), or when the host had to stop a step past its
     * limit; everything else is an error.
     *
     * @param overdue the phase in which the host gave up waiting and killed QEMU, or null
     */
    static StepResult outcome(StepConsole console, StepConsole.Phase overdue, Path scratch, String label, long start,
                              long end, int qemuExit, String stderr) throws IOException {
        boolean reported = console.status() >= 0 || console.timedOut();
        if (console.error() != null) {
            throw new KilnException(label + ": " + console.error());
        }
        if (reported && console.clean()) {
            var unclean = ScratchDisk.uncleanReason(scratch);
            if (console.fsError() != null) {
                throw new KilnException(label + ": the kernel reported an error in the scratch disk's filesystem: "
                        + console.fsError());
            }
            if (unclean.isPresent()) {
                throw new KilnException(label + ": " + scratch + ": the guest reported the disk clean, but " + unclean.get());
            }
            return result(console, console.timedOut() ? StepResult.Outcome.TIMED_OUT : StepResult.Outcome.EXITED,
                    start, end);
        }
        if (overdue == StepConsole.Phase.RUNNING) {
            // kiln-init did not stop the step in time: QEMU was killed, the disk is not fit to use
            return result(console, StepResult.Outcome.TIMED_OUT, start, end);
        }
        if (console.panic() != null) {
            throw new KilnException(label + ": the guest kernel panicked: " + console.panic());
        }
        if (console.unclean() != null) {
            throw new KilnException(label + ": the scratch disk was not left clean: " + console.unclean());
        }
        if (console.fsError() != null) {
            throw new KilnException(label + ": the kernel reported an error in the scratch disk's filesystem: "
                    + console.fsError());
        }
        String lastSaid = console.lastOtherLine().isEmpty() ? "" : " (last console line: " + console.lastOtherLine() + ")";
        if (overdue == StepConsole.Phase.BOOTING) {
            throw new KilnException(label + ": the VM did not start the step within " + BOOT_LIMIT.toSeconds() + " s"
                    + lastSaid);
        }
        if (overdue != null) {
            throw new KilnException(label + ": the VM did not stop and unmount the scratch disk within "
                    + (overdue == StepConsole.Phase.STOPPING ? STOP_LIMIT : EXIT_LIMIT).toSeconds()
                    + " s after the step ended" + lastSaid);
        }
        if (qemuExit != 0) {
            throw new KilnException(label + ": " + VmRunner.qemuFailure(qemuExit, stderr));
        }
        throw new KilnException(label + ": the VM ended before kiln-init " + (reported ? "unmounted the scratch disk"
                : "reported the step") + lastSaid);
    }

    private static StepResult result(StepConsole console, StepResult.Outcome outcome, long start, long end) {
        long started = console.startedAt() >= 0 ? console.startedAt() : end;
        long ended = console.endedAt() >= 0 ? console.endedAt() : end;
        return new StepResult(outcome, outcome == StepResult.Outcome.EXITED ? console.status() : -1,
                Duration.ofNanos(started - start), Duration.ofNanos(ended - started), Duration.ofNanos(end - start),
                console.lastLines());
    }
}
