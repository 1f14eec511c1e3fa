package dev.kiln.run;

import dev.kiln.KilnException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Boots a VM under QEMU, copies its serial console to an output stream as it arrives, and reads
 * the outcome from the console: kiln-init's "exit status N" line, or a kernel panic.
 */
public final class VmRunner {
    /**
     * kiln-init's own status line ends the console line; a program that printed no final newline
     * may stand before it, but a container's relayed line ("[NAME] ...") never counts.
     */
    private static final Pattern STATUS = Pattern.compile("(?<!\\] )kiln-init: exit status (\\d+)\\s*$");
    private static final String PANIC = "Kernel panic - not syncing";
    /** The kernel could not start init: -8 is ENOEXEC, a program of another architecture (or no program at all). */
    private static final Pattern INIT_ENOEXEC = Pattern.compile(
            "(?:Failed to execute|Starting init:|Requested init) (\\S+)(?: exists but couldn't execute it)?(?: failed)? \\(error -8\\)");
    private static final Pattern HOSTFWD_FAILED = Pattern.compile("host forwarding rule '(tcp|udp):([^:']*):(\\d+)-");
    /** What QEMU's console multiplexer prints when the user types Ctrl-a x. */
    private static final String QUIT_LINE = "QEMU: Terminated";
    /** After the status line or a panic, how long QEMU gets to exit by itself. */
    private static final Duration LINGER = Duration.ofSeconds(10);

    private final OutputStream console;
    private final PrintStream log;
    private final Consumer<String> onLine;

    /**
     * @param console receives the raw console bytes
     * @param log     receives Kiln's own notes (accelerator choice, failures)
     * @param onLine  sees every console line (without line ending); may be a no-op
     */
    public VmRunner(OutputStream console, PrintStream log, Consumer<String> onLine) {
        this.console = console;
        this.log = log;
        this.onLine = onLine;
    }

    public VmResult run(VmSpec spec) throws IOException, InterruptedException {
        Arch arch = Qemu.arch(spec);
        VmSpec.Machine machine = Qemu.machine(spec, arch);
        Path qemu = Qemu.find(arch, System.getenv("PATH"));
        Qemu.Target target = new Qemu.Target(arch, machine, useKvm(spec.accel(), arch, qemu, spec.kernel(), log));
        Path runConfig = RunConfigDisk.create(spec);
        try {
            return boot(spec, Qemu.command(qemu, spec, target, runConfig), arch);
        } finally {
            if (runConfig != null) {
                Files.deleteIfExists(runConfig);
            }
        }
    }

    /** KVM when asked for, or (AUTO) when a probe boot shows it works; otherwise TCG, said on {@code log}. */
    static boolean useKvm(VmSpec.Accel accel, Arch arch, Path qemu, Path kernel, PrintStream log) {
        return switch (accel) {
            case KVM -> {
                if (arch != Arch.host()) {
                    throw new KilnException("--accel kvm: KVM runs only guests of this machine's architecture, and the "
                            + "guest is " + arch);
                }
                yield true;
            }
            case TCG -> false;
            case AUTO -> {
                var reason = KvmProbe.unusableReason(qemu, kernel, arch);
                reason.ifPresent(r -> log.println("kiln: using TCG (slow emulation), KVM is not usable: " + r));
                yield reason.isEmpty();
            }
        };
    }

    private VmResult boot(VmSpec spec, List<String> cmd, Arch arch) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // an interactive user types into the guest; otherwise QEMU must not read our stdin
        pb.redirectInput(spec.interactive() ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (spec.interactive()) {
            log.println("kiln: the console is attached to the guest; Ctrl-a x stops the VM (Ctrl-a Ctrl-a sends Ctrl-a)");
        }
        long start = System.nanoTime();
        Process process = pb.start();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Thread errReader = copier(process.getErrorStream(), stderr);
        Scanner scanner = new Scanner();
        Thread outReader = new Thread(() -> scanner.pump(process.getInputStream()), "qemu-console");
        outReader.setDaemon(true);
        outReader.start();

        long deadline = spec.timeout().isZero() ? Long.MAX_VALUE : start + spec.timeout().toNanos();
        boolean timedOut = false;
        long lingerUntil = Long.MAX_VALUE;
        while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            if (lingerUntil == Long.MAX_VALUE && scanner.ended()) {
                lingerUntil = now + LINGER.toNanos();
            }
            if (now > deadline) {
                timedOut = !scanner.ended();
                break;
            }
            if (now > lingerUntil) {
                break;
            }
        }
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        outReader.join(2000);
        errReader.join(2000);
        console.flush();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        String err = stderr.toString(StandardCharsets.UTF_8).trim();
        if (scanner.status >= 0) {
            return new VmResult(VmResult.Outcome.EXITED, scanner.status, elapsed, "");
        }
        if (scanner.notExecutable != null) {
            return new VmResult(VmResult.Outcome.NOT_EXECUTABLE, -1, elapsed, "the " + arch + " kernel cannot execute "
                    + scanner.notExecutable + " (Exec format error): the image is not built for " + arch
                    + ", or that file is damaged; boot an image with a kernel of its own architecture");
        }
        if (spec.interactive() && scanner.quit) {
            return new VmResult(VmResult.Outcome.QUIT, -1, elapsed, "");
        }
        if (scanner.panic) {
            return new VmResult(VmResult.Outcome.PANIC, -1, elapsed, scanner.panicLine);
        }
        if (timedOut) {
            return new VmResult(VmResult.Outcome.TIMEOUT, -1, elapsed, "no exit status within " + spec.timeout().toSeconds() + " s");
        }
        if (process.exitValue() != 0) {
            return new VmResult(VmResult.Outcome.QEMU_FAILED, -1, elapsed, qemuFailure(process.exitValue(), err));
        }
        return new VmResult(VmResult.Outcome.STOPPED, -1, elapsed, "");
    }

    /** QEMU's complaint in one line; a port forward that failed says which host port. */
    /** The exit status a console line reports as kiln-init's, or -1. */
    static int statusIn(String line) {
        Matcher m = STATUS.matcher(line);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static String qemuFailure(int exitValue, String stderr) {
        Matcher m = HOSTFWD_FAILED.matcher(stderr);
        if (m.find()) {
            return "cannot forward host port " + m.group(3) + "/" + m.group(1)
                    + (m.group(2).isEmpty() ? "" : " on " + m.group(2)) + " (-p): is it in use?";
        }
        String oneLine = String.join("; ", stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return "qemu exited with status " + exitValue + (oneLine.isEmpty() ? "" : ": " + oneLine);
    }

    static Thread copier(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process is gone; what was read is kept
            }
        }, "qemu-stderr");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Copies console bytes through at once (prompts have no newline) and scans complete lines. */
    private final class Scanner {
        volatile int status = -1;
        volatile boolean panic;
        volatile String panicLine = "";
        volatile String notExecutable;
        volatile boolean quit;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        void pump(InputStream in) {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    console.write(buf, 0, n);
                    console.flush();
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            lineDone();
                        } else if (buf[i] != '\r') {
                            line.write(buf[i]);
                        }
                    }
                }
                if (line.size() > 0) {
                    lineDone();
                }
            } catch (IOException ignored) {
                // QEMU ended
            }
        }

        /** The guest has said how it ended: QEMU should exit by itself soon. */
        boolean ended() {
            return status >= 0 || panic;
        }

        private void lineDone() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            int said = statusIn(text);
            if (said >= 0 && status < 0) {
                status = said;
            }
            quit |= text.endsWith(QUIT_LINE); // after whatever the guest printed last (a prompt)
            Matcher noExec = INIT_ENOEXEC.matcher(text);
            if (noExec.find() && notExecutable == null) {
                notExecutable = noExec.group(1);
            }
            if (text.contains(PANIC) && !panic && status < 0) {
                panic = true;
                panicLine = text.substring(text.indexOf(PANIC)).trim();
            }
            onLine.accept(text);
        }
    }
}
