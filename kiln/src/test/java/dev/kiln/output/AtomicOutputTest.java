package dev.kiln.output;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

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
    void directoryOutputReplacesAnEarlierOutputOfItsKindOnCommit() throws IOException {
        Path target = dir.resolve("boot");
        Files.createDirectories(target);
        Files.writeString(target.resolve("kernel"), "old");
        Files.writeString(target.resolve("cmdline"), "old");
        try (AtomicOutput out = AtomicOutput.directory(target, Set.of("kernel", "cmdline"))) {
            Files.writeString(out.temporary().resolve("kernel"), "k");
            assertThat(target.resolve("kernel")).hasContent("old");
            out.commit();
        }
        assertThat(target.resolve("kernel")).hasContent("k");
        assertThat(target.resolve("cmdline")).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void directoryOutputNeverDeletesWhatKilnDidNotWrite() throws IOException {
        Path target = dir.resolve("project");
        Files.createDirectories(target.resolve("src"));
        Files.writeString(target.resolve("kernel"), "user's kernel");
        assertThatThrownBy(() -> AtomicOutput.directory(target, Set.of("kernel")))
                .hasMessageContaining("project").hasMessageContaining("[src]").hasMessageContaining("did not write");
        assertThat(target.resolve("src")).isDirectory();
        assertThat(target.resolve("kernel")).hasContent("user's kernel");
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> AtomicOutput.directory(file, Set.of())).hasMessageContaining("not a directory");
        assertThat(file).hasContent("x");
    }

    @Test
    void dotAndDotDotAreNotOutputPaths() {
        assertThatThrownBy(() -> AtomicOutput.directory(dir.resolve("."), Set.of())).hasMessageContaining("not a usable output path");
        assertThatThrownBy(() -> AtomicOutput.file(dir.resolve(".."))).hasMessageContaining("not a usable output path");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void missingParentDirectoryIsNamed() {
        assertThatThrownBy(() -> AtomicOutput.file(dir.resolve("no/such/rootfs.ext4")))
                .hasMessageContaining("no/such/rootfs.ext4").hasMessageContaining("does not exist");
    }

    @Test
    void severalOutputsCommitTogetherAndLeaveNoBackups() throws IOException {
        Path image = Files.writeString(dir.resolve("rootfs.ext4"), "old image");
        Path boot = Files.createDirectories(dir.resolve("boot"));
        Files.writeString(boot.resolve("kernel"), "old kernel");
        Path fresh = dir.resolve("rootfs.qcow2");
        try (AtomicOutput a = AtomicOutput.file(image);
             AtomicOutput b = AtomicOutput.directory(boot, Set.of("kernel"));
             AtomicOutput c = AtomicOutput.file(fresh)) {
            Files.writeString(a.temporary(), "new image");
            Files.writeString(b.temporary().resolve("kernel"), "new kernel");
            Files.writeString(c.temporary(), "qcow2");
            AtomicOutput.commitAll(java.util.List.of(a, b, c));
        }
        assertThat(image).hasContent("new image");
        assertThat(boot.resolve("kernel")).hasContent("new kernel");
        assertThat(fresh).hasContent("qcow2");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(image, boot, fresh);
        }
    }

    @Test
    void whenALaterRenameFailsTheEarlierOutputsAreRestored() throws IOException {
        Path image = Files.writeString(dir.resolve("rootfs.ext4"), "old image");
        Path boot = Files.createDirectories(dir.resolve("boot"));
        Files.writeString(boot.resolve("kernel"), "old kernel");
        Path fresh = dir.resolve("rootfs.qcow2");
        Path late = dir.resolve("rootfs.cpio.gz");
        try (AtomicOutput a = AtomicOutput.file(image);
             AtomicOutput b = AtomicOutput.directory(boot, Set.of("kernel"));
             AtomicOutput c = AtomicOutput.file(fresh);
             AtomicOutput d = AtomicOutput.file(late)) {
            Files.writeString(a.temporary(), "new image");
            Files.writeString(b.temporary().resolve("kernel"), "new kernel");
            Files.writeString(c.temporary(), "qcow2");
            Files.writeString(d.temporary(), "initramfs");
            // Someone puts a directory where the last output goes while the build runs.
            Files.createDirectories(late.resolve("theirs"));
            assertThatThrownBy(() -> AtomicOutput.commitAll(java.util.List.of(a, b, c, d)))
                    .isInstanceOf(IOException.class).hasMessageContaining(late + ": is a directory now");
        }
        assertThat(image).hasContent("old image");
        assertThat(boot.resolve("kernel")).hasContent("old kernel");
        assertThat(fresh).doesNotExist();
        assertThat(late.resolve("theirs")).isDirectory();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(image, boot, late);
        }
    }
}
