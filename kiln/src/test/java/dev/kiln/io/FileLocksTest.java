package dev.kiln.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class FileLocksTest {
    @TempDir
    Path dir;

    @Test
    void aLockFileLocksAndIsLeftForTheNextHolder() throws Exception {
        Path lockFile = dir.resolve("blob.lock");
        try (FileLocks.Held held = FileLocks.lockPath(lockFile, "blob")) {
            assertThat(lockFile).isRegularFile();
        }
        try (FileLocks.Held again = FileLocks.lockPath(lockFile, "blob")) {
            assertThat(lockFile).isRegularFile();
        }
    }

    /**
     * A cleaner deletes the idle lock file after this holder opened it and before it locked it,
     * and another process creates a new one: the lock must end up on the file the path names,
     * not on the deleted one (two holders at once would download into one partial file).
     */
    @Test
    void aLockFileDeletedAndRecreatedBeforeTheLockIsTakenAgain() throws Exception {
        Path lockFile = dir.resolve("blob.lock");
        byte[] theirs = "another process!".getBytes(StandardCharsets.US_ASCII);
        AtomicInteger opens = new AtomicInteger();
        try (FileLocks.Held held = FileLocks.lockPath(lockFile, "blob", () -> {
            if (opens.incrementAndGet() == 1) {
                Files.delete(lockFile);
                Files.write(lockFile, theirs);
            }
        })) {
            assertThat(opens).as("started over once").hasValue(2);
            assertThat(Files.readAllBytes(lockFile)).as("this holder's token, on the file the path names")
                    .hasSize(theirs.length).isNotEqualTo(theirs);
        }
    }

    @Test
    void aLockFileDeletedBeforeTheLockIsTakenAgain() throws Exception {
        Path lockFile = dir.resolve("blob.lock");
        AtomicInteger opens = new AtomicInteger();
        try (FileLocks.Held held = FileLocks.lockPath(lockFile, "blob", () -> {
            if (opens.incrementAndGet() == 1) {
                Files.delete(lockFile);
            }
        })) {
            assertThat(opens).hasValue(2);
            assertThat(lockFile).isRegularFile();
        }
    }
}
