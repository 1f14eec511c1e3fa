package dev.kiln.steps;

import dev.kiln.guest.Entries;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The step cache on disk: whole entries only, listing, pruning, and the per-key lock. */
class StepCacheTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @TempDir
    Path tmp;

    private void store(StepCache cache, String key, int number, String text) throws IOException {
        cache.describe(new StepCache.Meta(key, number, text, "base"));
        TreeFiles.compact(Entries.of(Entries.dir("etc"), Entries.file("etc/step", text)), cache.target(key), 0);
    }

    @Test
    void anEntryIsAWholeCompactImageListedWithItsStep() throws IOException {
        StepCache cache = new StepCache(tmp);
        assertThat(cache.find(A)).isEmpty();
        assertThat(cache.list()).isEmpty();
        store(cache, A, 2, "run: make");

        Path tree = cache.find(A).orElseThrow();
        assertThat(tree).isEqualTo(tmp.resolve("steps").resolve(A + ".ext4"));
        Tools.assumeTools("e2fsck", "debugfs");
        Ext4Image.assertClean(tree);
        assertThat(Ext4Image.debugfs(tree, "cat /etc/step")).isEqualTo("run: make");
        assertThat(Files.size(tree)).as("compact: no journal, little free space").isLessThan(16L << 20);
        List<StepCache.Entry> entries = cache.list();
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).key()).isEqualTo(A);
        assertThat(entries.get(0).number()).isEqualTo(2);
        assertThat(entries.get(0).step()).isEqualTo("run: make");
        assertThat(entries.get(0).size()).isEqualTo(Files.size(tree));
        try (var files = Files.list(cache.directory())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(A + ".ext4", A + ".json");
        }
    }

    @Test
    void useIsTheMtimeAndPruneGoesByIt() throws IOException {
        StepCache cache = new StepCache(tmp);
        store(cache, A, 1, "run: old");
        store(cache, B, 1, "run: new");
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        Files.setLastModifiedTime(cache.tree(A), FileTime.from(longAgo));
        Files.setLastModifiedTime(cache.tree(B), FileTime.from(longAgo));
        cache.find(B);   // a build used it just now
        assertThat(cache.list()).extracting(StepCache.Entry::key).containsExactly(B, A);

        List<StepCache.Entry> removed = cache.prune(Instant.now().minus(Duration.ofDays(7)));
        assertThat(removed).extracting(StepCache.Entry::key).containsExactly(A);
        assertThat(cache.find(A)).isEmpty();
        assertThat(cache.directory().resolve(A + ".json")).doesNotExist();
        assertThat(cache.find(B)).isPresent();
        assertThat(cache.prune(null)).extracting(StepCache.Entry::key).containsExactly(B);
        assertThat(cache.list()).isEmpty();
    }

    /** A second build of the same step waits for the first, then finds its tree. */
    @Test
    void theKeyLockMakesASecondBuilderWait() throws Exception {
        StepCache cache = new StepCache(tmp);
        CountDownLatch held = new CountDownLatch(1);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
                try (StepCache.Lock ignored = cache.lock(A)) {
                    held.countDown();
                    Thread.sleep(300);
                    store(cache, A, 1, "run: once");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            held.await(30, TimeUnit.SECONDS);
            try (StepCache.Lock ignored = cache.lock(A)) {
                // the first stores its tree only after holding the lock for 300 ms: found means waited
                assertThat(cache.find(A)).as("the first builder's tree, found after the wait").isPresent();
            }
            first.join();
            try (StepCache.Lock ignored = cache.lock(B)) {
                assertThat(cache.find(B)).isEmpty();   // another key: no wait
            }
        });
    }
}
