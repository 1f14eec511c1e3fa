package dev.kiln.source.registry;

import dev.kiln.DigestMismatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache keeps nothing that is not what its digest says, and says so as a {@link DigestMismatch}. */
class BlobCacheMismatchTest {
    @TempDir
    Path dir;

    @Test
    void aSmallBlobOfOtherContentIsRefused() {
        BlobCache cache = new BlobCache(dir);
        byte[] bytes = "{}".getBytes(StandardCharsets.UTF_8);
        String other = Digests.sha256("[]".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> cache.put(other, bytes)).isInstanceOfSatisfying(DigestMismatch.class, m -> {
            assertThat(m.digest()).isEqualTo(other);
            assertThat(m.actual()).isEqualTo(Digests.sha256(bytes));
            assertThat(m).hasMessage(other + ": digest mismatch: content hashes to " + Digests.sha256(bytes));
        });
        assertThat(cache.get(other)).isEmpty();
    }

    @Test
    void aDownloadOfOtherContentIsRefusedWithItsSizes() {
        BlobCache cache = new BlobCache(dir);
        byte[] wanted = "wanted".getBytes(StandardCharsets.UTF_8);
        byte[] got = "got".getBytes(StandardCharsets.UTF_8);
        String digest = Digests.sha256(wanted);
        assertThatThrownBy(() -> cache.fetch(digest, wanted.length, partial -> {
            Files.write(partial, got);
            return Digests.sha256(got);
        })).isInstanceOf(DigestMismatch.class)
                .hasMessage(digest + ": digest mismatch: the download of 3 bytes hashes to " + Digests.sha256(got)
                        + " (expected 6 bytes); nothing was cached");
        assertThat(cache.get(digest)).isEmpty();
    }
}
