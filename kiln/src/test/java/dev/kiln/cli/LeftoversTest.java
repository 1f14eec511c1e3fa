package dev.kiln.cli;

import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A build killed with SIGKILL leaves its hidden temporaries (outputs, raw image, spool, a
 * kernel+initrd directory); the next build in the same directory removes them, and a build
 * running meanwhile never touches those of a live one.
 */
class LeftoversTest {
    @TempDir
    Path dir;

    private List<String> leftovers(Path out) throws Exception {
        try (var files = Files.list(out)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".kiln-")).sorted().toList();
        }
    }

    private Tools.Result build(String... args) {
        return KilnProcess.run(180, args);
    }

    @Test
    void theNextBuildRemovesWhatAKilledOneLeftButNeverWhatALiveOneHolds() throws Exception {
        Tools.assumeTools("tar");
        Path root = Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(root.resolve("hello"), "hello\n");
        Files.write(root.resolve("big"), new java.util.Random(1).ints(1 << 19).collect(
                java.io.ByteArrayOutputStream::new, (b, i) -> b.write(i), (a, b) -> a.writeBytes(b.toByteArray())).toByteArray());
        Path small = dir.resolve("small.tar");
        Tools.check("tar", "-C", dir.resolve("root").toString(), "-cf", small.toString(), ".");
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "not a kernel");
        Path out = Files.createDirectories(dir.resolve("out"));

        // A: reads a tar from a pipe that delivers its start and then stalls.
        Process stalled = KilnProcess.builder("build", "-q", "tar:-", "--init", "none",
                "--format", "qcow2=" + out.resolve("a.qcow2"), "--format", "tar=" + out.resolve("a.tar"),
                "--format", "kernel+initrd=" + out.resolve("boot"), "--kernel", kernel.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stalled.log").toFile()).start();
        List<String> held;
        try {
            OutputStream stdin = stalled.getOutputStream();
            byte[] tar = Files.readAllBytes(small);
            stdin.write(tar, 0, tar.length / 2);
            stdin.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (leftovers(out).stream().filter(n -> n.endsWith(".tmp")).count() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            held = leftovers(out);
            assertThat(held).as(Files.readString(dir.resolve("stalled.log")))
                    .anyMatch(n -> n.startsWith(".a.qcow2.kiln-") && n.endsWith(".tmp"))
                    .anyMatch(n -> n.startsWith(".a.tar.kiln-") && n.endsWith(".tmp"))
                    .anyMatch(n -> n.startsWith(".boot.kiln-") && n.endsWith(".tmp"))
                    .anyMatch(n -> n.startsWith(".kiln-raw.kiln-") && n.endsWith(".tmp"))
                    .anyMatch(n -> n.startsWith(".kiln-spool.kiln-") && n.endsWith(".tmp"))
                    .anyMatch(n -> n.endsWith(".lock"));
            assertThat(out.resolve(held.stream().filter(n -> n.startsWith(".boot.")).filter(n -> n.endsWith(".tmp"))
                    .findFirst().orElseThrow())).isDirectory();

            // B, while A is alive, in the same directory: completes and leaves A's files alone.
            Tools.Result b = build("build", "-q", "tar:" + small, "--init", "none", "-o", out.resolve("b.ext4").toString());
            assertThat(b.exitCode()).as(b.output()).isZero();
            assertThat(leftovers(out)).containsAll(held);
            assertThat(stalled.isAlive()).isTrue();
        } finally {
            stalled.destroyForcibly();   // SIGKILL: no shutdown hook runs
            stalled.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(leftovers(out)).as("what the killed build left").containsAll(held);

        // C: the next build beside the same targets proves them dead (their locks died with A).
        Tools.Result c = build("build", "-q", "tar:" + small, "--init", "none", "-o", out.resolve("c.ext4").toString());
        assertThat(c.exitCode()).as(c.output()).isZero();
        assertThat(leftovers(out)).isEmpty();
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("b.ext4", "c.ext4");
        }
    }
}
