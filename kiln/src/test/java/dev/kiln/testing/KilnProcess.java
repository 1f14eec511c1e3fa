package dev.kiln.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI as a child process (this JVM's java and class path): for what an in-process run cannot
 * show, such as bytes on file descriptor 1, a SIGKILL, or file locks between processes.
 */
public final class KilnProcess {
    private KilnProcess() {
    }

    /** {@code java -cp CLASSPATH dev.kiln.cli.Main ARGS...} */
    public static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "dev.kiln.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs kiln to the end (at most {@code timeoutSeconds}), feeding it nothing on stdin. */
    public static Tools.Result run(long timeoutSeconds, String... args) {
        return Tools.run(command(args), null, new byte[0], timeoutSeconds);
    }

    /** Starts kiln with the given redirections set on a builder of {@link #command}. */
    public static ProcessBuilder builder(String... args) throws IOException {
        return new ProcessBuilder(command(args));
    }
}
