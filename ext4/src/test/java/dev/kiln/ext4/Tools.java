package dev.kiln.ext4;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real e2fsprogs/kernel tools our encoders are checked against: the ext4 module's one
 * helper for running a command (it cannot see kiln's {@code dev.kiln.testing.Tools}).
 */
final class Tools {
    private Tools() {
    }

    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /** Skips the test unless every one of {@code names} is installed. */
    static void assumeTools(String... names) {
        for (String name : names) {
            assumeTool(name);
        }
    }

    static void assumeTool(String name) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                        .split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)))
                || Files.isExecutable(Path.of("/sbin", name)) || Files.isExecutable(Path.of("/usr/sbin", name));
        Assumptions.assumeTrue(found, name + " is not installed (apt-get install e2fsprogs/attr/acl)");
    }

    static void assumeRoot() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "loop mounts need root");
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(null, List.of(command));
    }

    static Result run(byte[] stdin, List<String> command) throws IOException, InterruptedException {
        return exec(stdin, command, false);
    }

    /**
     * Runs with standard error merged into standard output, in the order the tool wrote them
     * (e2fsck and debugfs interleave a banner and their findings).
     */
    static Result runMerged(String... command) throws IOException, InterruptedException {
        return exec(null, List.of(command), true);
    }

    private static Result exec(byte[] stdin, List<String> command, boolean mergeErrors)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(mergeErrors);
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LC_ALL", "C");
        pb.environment().remove("DEBUGFS_PAGER");
        pb.environment().put("PAGER", "__none__");
        Process p = pb.start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(p.getErrorStream(), err));
        errReader.start();
        // Feed stdin from its own thread: a child that writes while we are still writing its
        // input would otherwise fill both pipes and deadlock.
        Thread feeder = new Thread(() -> {
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the child exited early; its exit code tells the story
            }
        });
        feeder.start();
        byte[] out = p.getInputStream().readAllBytes();
        feeder.join();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(command + ": timed out");
        }
        errReader.join();
        return new Result(p.exitValue(), out, err.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** Runs and insists on exit 0, returning stdout. */
    static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + r.exit() + ": " + r.stderr()
                    + r.out());
        }
        return r.out();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // the process died; its exit code tells the story
        }
    }

    static List<String> lines(String s) {
        return new ArrayList<>(Arrays.asList(s.split("\n")));
    }
}
