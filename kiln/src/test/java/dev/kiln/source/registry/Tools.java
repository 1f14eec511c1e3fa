package dev.kiln.source.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external tools for tests; a failure shows the tool's output. */
final class Tools {
    private Tools() {
    }

    static String run(Path cwd, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + ": timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
