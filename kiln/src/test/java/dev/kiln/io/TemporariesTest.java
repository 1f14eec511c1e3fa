package dev.kiln.io;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which leftovers a sweep may remove: only those whose owner is provably gone. */
class TemporariesTest {
    static final String HEX = "0123456789abcdef";

    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aStemWhoseLockNoOneHoldsIsRemovedWithItsFilesAndDirectories() throws Exception {
        Files.createFile(dir.resolve(".out.ext4.kiln-" + HEX + ".lock"));
        Files.writeString(dir.resolve(".out.ext4.kiln-" + HEX + ".tmp"), "half an image");
        Path tempDir = Files.createDirectories(dir.resolve(".boot.kiln-fedcba9876543210.tmp/sub"));
        Files.writeString(tempDir.resolve("kernel"), "k");
        Files.createFile(dir.resolve(".boot.kiln-fedcba9876543210.lock"));
        Files.writeString(dir.resolve("out.ext4"), "the user's image");
        Temporaries.sweep(dir);
        assertThat(names()).containsExactly("out.ext4");
        assertThat(dir.resolve("out.ext4")).hasContent("the user's image");
    }

    @Test
    void filesOfAStemWithoutALockFileAreDeadToo() throws Exception {
        Files.writeString(dir.resolve(".kiln-spool.kiln-" + HEX + ".tmp"), "spool");
        Temporaries.sweep(dir);
        assertThat(names()).isEmpty();
    }

    @Test
    void aStemLockedByAnotherProcessIsKept() throws Exception {
        Tools.assumeTools("python3");
        Path lock = Files.createFile(dir.resolve(".out.ext4.kiln-" + HEX + ".lock"));
        Files.writeString(dir.resolve(".out.ext4.kiln-" + HEX + ".tmp"), "being written");
        // The other kiln: an fcntl record lock, as the JVM's FileLock takes.
        Process other = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, sys",
                "f = open(sys.argv[1], 'w')",
                "fcntl.lockf(f, fcntl.LOCK_EX)",
                "print('locked', flush=True)",
                "sys.stdin.readline()"), lock.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8)).readLine())
                    .isEqualTo("locked");
            Temporaries.sweep(dir);
            assertThat(names()).containsExactly(".out.ext4.kiln-" + HEX + ".lock", ".out.ext4.kiln-" + HEX + ".tmp");
        } finally {
            other.destroy();
            other.waitFor();
        }
        Temporaries.sweep(dir);
        assertThat(names()).isEmpty();
    }

    @Test
    void thisProcesssOwnClaimIsKeptAndItsLockStaysHeld() throws Exception {
        Temporaries.Claim claim = Temporaries.claim(dir, "out.ext4");
        Files.writeString(claim.temporary(), "mine");
        Temporaries.sweep(dir);
        assertThat(claim.temporary()).hasContent("mine");
        // Still locked: a second channel of this JVM on the file would throw OverlappingFileLockException.
        Path lockFile = Path.of(claim.temporary().toString().replace(".tmp", ".lock"));
        try (var ch = java.nio.channels.FileChannel.open(lockFile, java.nio.file.StandardOpenOption.WRITE)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(ch::tryLock)
                    .isInstanceOf(java.nio.channels.OverlappingFileLockException.class);
        }
        claim.release();
        assertThat(names()).isEmpty();
    }

    @Test
    void anOldOutputSetAsideByAKilledCommitGoesBackWhenItsTargetIsMissing() throws Exception {
        Path aside = Files.createDirectories(dir.resolve(".boot.kiln-" + HEX + ".old"));
        Files.writeString(aside.resolve("kernel"), "the previous kernel");
        Files.writeString(dir.resolve(".rootfs.ext4.kiln-fedcba9876543210.old"), "previous image, replaced already");
        Files.writeString(dir.resolve("rootfs.ext4"), "new image");
        Temporaries.sweep(dir);
        assertThat(names()).containsExactly("boot", "rootfs.ext4");
        assertThat(dir.resolve("boot/kernel")).hasContent("the previous kernel");
        assertThat(dir.resolve("rootfs.ext4")).hasContent("new image");
    }

    @Test
    void anotherUsersLeftoversAreNotOursToRemove() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Tools.isRoot(), "giving a file to another user needs root");
        Path tmp = Files.createDirectories(dir.resolve(".out.ext4.kiln-" + HEX + ".tmp"));
        Files.setAttribute(tmp, "unix:uid", 65534);
        Temporaries.sweep(dir);
        assertThat(tmp).isDirectory();
        Files.setAttribute(tmp, "unix:uid", 0);
        Temporaries.sweep(dir);
        assertThat(tmp).doesNotExist();
    }

    @Test
    void namesOfOtherFormsAreLeftAlone() throws Exception {
        // Older Kiln versions (shorter random part, no lock) and anything not ending as a stem does.
        for (String name : List.of(".out.ext4.kiln-1a2b3c.tmp", ".kiln-raw-123456789.tmp", "x.kiln-" + HEX + ".tmp",
                ".out.kiln-" + HEX + ".tmp.bak", ".out.kiln-" + HEX.toUpperCase() + ".tmp")) {
            Files.writeString(dir.resolve(name), "keep");
        }
        List<String> before = names();
        Temporaries.sweep(dir);
        assertThat(names()).isEqualTo(before);
    }
}
