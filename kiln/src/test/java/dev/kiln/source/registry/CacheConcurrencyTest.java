package dev.kiln.source.registry;

import dev.kiln.testing.KilnProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several kiln processes sharing one blob cache, each downloading several layers on several
 * threads. POSIX record locks belong to a process, and the kernel's deadlock detection sees
 * each process as one owner: a thread of A waiting for a blob B holds while a thread of B waits
 * for one A holds looks like a deadlock ("Resource deadlock avoided") though none exists. The
 * cache never blocks in the kernel on a lock, so every run must succeed. The two pulls also add
 * the image to one layout under two names: neither may lose the other's index.json entry. A
 * prune deleting idle lock files runs beside them: no two processes may download one blob into
 * one partial file.
 */
@Tag("slow")
class CacheConcurrencyTest {
    static final int LAYERS = 8;
    static final int ROUNDS = 4;

    @TempDir
    static Path dir;
    static RegistryServer registry;
    static String image;

    @BeforeAll
    static void pushImage() throws Exception {
        registry = RegistryServer.start(dir.resolve("registry"));
        Path layout = TestImages.layout(dir.resolve("layout"));
        Random random = new Random(42);
        @SuppressWarnings("unchecked")
        Map<String, byte[]>[] layers = new Map[LAYERS];
        for (int i = 0; i < LAYERS; i++) {
            byte[] data = new byte[(1 << 20) + random.nextInt(1 << 19)];   // random: gzip cannot shrink it
            random.nextBytes(data);
            layers[i] = TestImages.files("layer" + i + "/", "", "layer" + i + "/data", data);
        }
        TestImages.image(layout, "many", "amd64", layers);
        registry.push(layout, "many", "ns/many:1", false);
        image = registry.hostPort() + "/ns/many:1";
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    private static Process start(Path home, Path log, String... args) throws Exception {
        ProcessBuilder pb = KilnProcess.builder(args).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("XDG_CACHE_HOME");
        pb.environment().remove("DOCKER_CONFIG");
        pb.environment().remove("REGISTRY_AUTH_FILE");
        return pb.start();
    }

    @Test
    void twoPullsAndABuildShareOneCacheWithoutDeadlockErrors() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        for (int round = 0; round < ROUNDS; round++) {
            Path work = Files.createDirectories(dir.resolve("round" + round));
            Path cache = work.resolve("cache");
            List<Process> processes = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            // Both pulls add the image to one layout, under two names.
            Path pulled = work.resolve("layout");
            for (int i = 0; i < 2; i++) {
                logs.add(work.resolve("pull" + i + ".log"));
                processes.add(start(home, logs.get(i), "pull", "-q", "--cache-dir", cache.toString(), image,
                        "--to", "oci:" + pulled + ":name" + i));
            }
            logs.add(work.resolve("build.log"));
            processes.add(start(home, logs.get(2), "build", "-q", "--cache-dir", cache.toString(), image,
                    "--init", "none", "-o", work.resolve("image.ext4").toString()));
            // `kiln cache prune` meanwhile, as a cron job would: it keeps every blob (all used since
            // 1970) but deletes the lock files of downloads it finds idle, under the pullers' feet
            AtomicBoolean pulling = new AtomicBoolean(true);
            Thread pruner = new Thread(() -> {
                while (pulling.get()) {
                    try {
                        new BlobCache(cache).prune(Instant.EPOCH);
                    } catch (Exception e) {
                        // a file gone between the listing and the prune: the next turn
                    }
                }
            });
            pruner.start();
            try {
                for (int i = 0; i < processes.size(); i++) {
                    Process p = processes.get(i);
                    if (!p.waitFor(300, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor();
                    }
                    String log = Files.readString(logs.get(i));
                    assertThat(p.exitValue()).as("round %d, %s: %s", round, logs.get(i).getFileName(), log).isZero();
                    assertThat(log).doesNotContainIgnoringCase("deadlock");
                }
            } finally {
                pulling.set(false);
                pruner.join();
            }
            assertThat(new BlobCache(cache).list()).hasSize(LAYERS + 2);   // layers, config, manifest
            assertThat(work.resolve("image.ext4")).isRegularFile();
            try (var blobs = Files.list(pulled.resolve("blobs/sha256"))) {
                assertThat(blobs.map(p -> p.getFileName().toString())).hasSize(LAYERS + 2)
                        .noneMatch(n -> n.startsWith("."));
            }
            // Neither pull lost the other's index entry.
            String index = Files.readString(pulled.resolve("index.json"));
            assertThat(index).as("round %d", round).contains("\"name0\"").contains("\"name1\"");
        }
    }
}
