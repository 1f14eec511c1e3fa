package dev.kiln.guest;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `kiln run` on a terminal: a pseudo-terminal (python's pty module) drives a real `kiln run` in
 * a child JVM, typing into a busybox shell in the guest. Keys reach the guest (Ctrl-C included,
 * which interrupts the guest's program, not the VM), the shell's exit status comes back, and
 * Ctrl-a x stops the VM.
 */
@Tag("slow")
class InteractiveConsoleBootTest {
    /** Types into the terminal step by step; prints what it saw and "EXIT <status>" of kiln run. */
    private static final String DRIVER = """
            import os, pty, select, sys, time
            mode, argv = sys.argv[1], sys.argv[2:]
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp(argv[0], argv)
            seen = b""
            def read(timeout):
                global seen
                r, _, _ = select.select([fd], [], [], timeout)
                if not r:
                    return False
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    return None
                seen += data
                return data != b""
            def wait_for(text, count=1, timeout=150):
                end = time.time() + timeout
                while seen.count(text.encode()) < count:
                    if time.time() > end or read(end - time.time()) is None:
                        sys.stdout.write(seen.decode(errors="replace"))
                        sys.exit("no %r (x%d) on the terminal" % (text, count))
            wait_for("# ")
            if mode == "shell":
                os.write(fd, b"echo typed-$((6*7)) $TERM\\r")
                wait_for("typed-42")
                # zz-9 is printed, never typed: once it shows, the shell has reached the sleep
                os.write(fd, b"echo zz-$((3*3)); sleep 600\\r")
                wait_for("zz-9")
                time.sleep(2)
                os.write(fd, b"\\x03")
                wait_for("# ", 3)   # the first prompt, the one after typed-42, the one after ^C
                os.write(fd, b"exit 5\\r")
            else:
                os.write(fd, b"\\x01x")
            while read(120):
                pass
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(seen.decode(errors="replace"))
            print("\\nEXIT %d" % os.waitstatus_to_exitcode(status))
            """;

    @TempDir
    static Path tmp;
    static Path kernel;
    static Path image;
    static Path driver;

    @BeforeAll
    static void busyboxImage() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox", "tar", "python3");
        Path root = tmp.resolve("root");
        BootSupport.busyboxRoot(root, Path.of(Tools.check("sh", "-c", "command -v busybox").trim()));
        image = tmp.resolve("shell.ext4");
        BootSupport.CliRun b = BootSupport.kiln("build", "dir:" + root, "-o", image.toString(), "-q",
                "--entrypoint", "/bin/sh", "--env", "PATH=/bin");
        assertThat(b.exit()).as(b.err()).isZero();
        driver = Files.writeString(tmp.resolve("drive.py"), DRIVER);
    }

    /** kiln run in a child JVM (System.console() must see a terminal), driven by the script in {@code mode}. */
    private static Tools.Result onATerminal(String mode) {
        List<String> cmd = new ArrayList<>(List.of("python3", driver.toString(), mode,
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "dev.kiln.cli.Main", "run", image.toString(), "--kernel", kernel.toString(), "--accel", "tcg",
                "--append", "quiet"));
        Tools.Result r = Tools.run(cmd, null, null, 400);
        System.out.println(r.output());
        return r;
    }

    @Test
    void aShellInTheImageIsInteractive() {
        Tools.Result r = onATerminal("shell");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.stdout()).contains("Ctrl-a x stops the VM", "typed-42 ", "^C", "kiln-init: exit status 5")
                .endsWith("\nEXIT 5\n");
        // the terminal type reached the guest's shell
        assertThat(r.stdout()).doesNotContain("typed-42 \r");
    }

    @Test
    void ctrlAXStopsTheVm() {
        Tools.Result r = onATerminal("quit");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.stdout()).contains("QEMU: Terminated").doesNotContain("kiln-init: exit status", "had no effect")
                .endsWith("\nEXIT 130\n");
    }
}
