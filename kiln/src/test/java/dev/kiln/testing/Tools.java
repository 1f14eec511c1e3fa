package dev.kiln.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real tools tests check against (e2fsck, debugfs, tar, umoci, ...): the one helper for
 * running a command to its end in kiln's tests. (The ext4 module cannot see it and has its own.)
 */
public final class Tools {
    /** A guard against a hung tool, not a time limit: the slowest (debootstrap, a boot) take minutes. */
    private static final long TIMEOUT_SECONDS = 600;

    private Tools() {
    }

    /** What a finished command printed. */
    public record Result(int exitCode, String stdout, String stderr) {
        public String output() {
            return stdout + stderr;
        }
    }

    public static Result run(List<String> command) {
        return run(command, null, null, TIMEOUT_SECONDS);
    }

    public static Result run(String... command) {
        return run(List.of(command));
    }

    /** Runs a command in {@code dir} (or the current directory), feeding it {@code stdin} when given. */
    public static Result run(List<String> command, Path dir, byte[] stdin, long timeoutSeconds) {
        Output o = exec(command, dir, stdin, timeoutSeconds);
        return new Result(o.exitCode, new String(o.stdout, StandardCharsets.UTF_8), new String(o.stderr, StandardCharsets.UTF_8));
    }

    /** What a finished command wrote, as bytes (an archive on standard output is not text). */
    private record Output(int exitCode, byte[] stdout, byte[] stderr) {
    }

    private static Output exec(List<String> command, Path dir, byte[] stdin, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().put("LC_ALL", "C");
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + command);
            }
            return new Output(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + command, e);
        }
    }

    /** Runs a command that must succeed, returning its standard output. */
    public static String check(String... command) {
        return checkIn(null, List.of(command));
    }

    /** Runs a command in {@code dir} (or the current directory) that must succeed, returning its standard output. */
    public static String checkIn(Path dir, String... command) {
        return checkIn(dir, List.of(command));
    }

    public static String checkIn(Path dir, List<String> command) {
        Result r = run(command, dir, null, TIMEOUT_SECONDS);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.stdout();
    }

    /** Runs a shell script that must succeed (for pipelines of real tools in test setup). */
    public static String sh(String script) {
        return check("bash", "-euo", "pipefail", "-c", script);
    }

    /**
     * Runs a bash script in {@code dir} that must succeed, with {@code args} as $1, $2, ...;
     * returns its standard output as bytes (an archive, a hex dump).
     */
    public static byte[] bash(Path dir, String script, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "-euo", "pipefail", "-c", script, "bash"));
        command.addAll(List.of(args));
        Output o = exec(command, dir, null, TIMEOUT_SECONDS);
        if (o.exitCode != 0) {
            throw new AssertionError("script failed (exit " + o.exitCode + "): " + script + "\n"
                    + new String(o.stderr, StandardCharsets.UTF_8));
        }
        return o.stdout;
    }

    public static boolean available(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Skips the test, saying why, when a tool is not installed (.ci/deps installs them all). */
    public static void assumeTools(String... tools) {
        for (String tool : tools) {
            Assumptions.assumeTrue(available(tool), tool + " is not installed (run .ci/deps)");
        }
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Skips the test when not root: loop mounts need it (CI runs as root). */
    public static void assumeRoot() {
        Assumptions.assumeTrue(isRoot(), "loop mounts need root");
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
