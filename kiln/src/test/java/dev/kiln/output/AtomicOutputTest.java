package dev.kiln.output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicOutputTest {
    @TempDir
    Path dir;

    @Test
    void targetAppearsOnlyOnCommit() throws IOException {
        Path target = dir.resolve("rootfs.ext4");
        try (AtomicOutput out = AtomicOutput.file(target)) {
            Files.writeString(out.temporary(), "image");
            assertThat(out.temporary().getParent()).isEqualTo(dir);
            assertThat(target).doesNotExist();
            out.commit();
        }
        assertThat(target).hasContent("image");
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void failureLeavesAnExistingTargetUntouchedAndNoTemporary() throws IOException {
        Path target = dir.resolve("rootfs.ext4");
        Files.writeString(target, "old image");
        assertThatThrownBy(() -> {
            try (AtomicOutput out = AtomicOutput.file(target)) {
                Files.writeString(out.temporary(), "half written");
                throw new IOException("source failed");
            }
        }).hasMessage("source failed");
        assertThat(target).hasContent("old image");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void directoryOutputReplacesAnOldDirectoryOnCommit() throws IOException {
        Path target = dir.resolve("boot");
        Files.createDirectories(target.resolve("stale"));
        try (AtomicOutput out = AtomicOutput.directory(target)) {
            Files.writeString(out.temporary().resolve("kernel"), "k");
            out.commit();
        }
        assertThat(target.resolve("kernel")).hasContent("k");
        assertThat(target.resolve("stale")).doesNotExist();
    }

    @Test
    void missingParentDirectoryIsNamed() {
        assertThatThrownBy(() -> AtomicOutput.file(dir.resolve("no/such/rootfs.ext4")))
                .hasMessageContaining("no/such/rootfs.ext4").hasMessageContaining("does not exist");
    }
}
