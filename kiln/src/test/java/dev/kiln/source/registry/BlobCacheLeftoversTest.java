package dev.kiln.source.registry;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Partial downloads that a killed run left in the cache: kept while they can still be resumed
 * or while another process downloads them, removed by the next download once they are stale.
 */
class BlobCacheLeftoversTest {
    @TempDir
    Path dir;

    private static Path partial(BlobCache cache, String hex, String content, Instant modified) throws Exception {
        Path tmp = Files.createDirectories(cache.root().resolve("tmp"));
        Path file = Files.writeString(tmp.resolve(hex + ".partial"), content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        Files.createFile(tmp.resolve(hex + ".lock"));
        return file;
    }

    @Test
    void theNextDownloadRemovesStalePartialsNoOneHoldsAndKeepsRecentOnesForResuming() throws Exception {
        BlobCache cache = new BlobCache(dir.resolve("cache"));
        Instant old = Instant.now().minus(BlobCache.STALE_PARTIAL).minusSeconds(3600);
        Path stale = partial(cache, "a".repeat(64), "killed mid-download", old);
        Path recent = partial(cache, "b".repeat(64), "resumable", Instant.now().minusSeconds(60));
        Path busy = partial(cache, "c".repeat(64), "another process is downloading this", old);
        Tools.assumeTools("python3");
        Process other = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, sys",
                "f = open(sys.argv[1], 'w')",
                "fcntl.lockf(f, fcntl.LOCK_EX)",
                "print('locked', flush=True)",
                "sys.stdin.readline()"), busy.resolveSibling("c".repeat(64) + ".lock").toString())
                .redirectErrorStream(true).start();
        try {
            assertThat(new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8)).readLine())
                    .isEqualTo("locked");
            byte[] blob = "a small blob".getBytes(StandardCharsets.UTF_8);
            cache.put(Digests.sha256(blob), blob);
        } finally {
            other.destroy();
            other.waitFor();
        }
        assertThat(stale).doesNotExist();
        assertThat(recent).hasContent("resumable");
        assertThat(busy).exists();
    }
}
