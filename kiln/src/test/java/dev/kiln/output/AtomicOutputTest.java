package dev.kiln.output;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    void aSpecialFileThatAppearsAtTheTargetDuringTheBuildIsNotReplaced() throws Exception {
        dev.kiln.testing.Tools.assumeTools("mkfifo");
        Path target = dir.resolve("rootfs.ext4");
        try (AtomicOutput out = AtomicOutput.file(target)) {
            Files.writeString(out.temporary(), "image");
            dev.kiln.testing.Tools.check("mkfifo", target.toString());
            assertThatThrownBy(out::commit).isInstanceOf(IOException.class)
                    .hasMessage(target + ": is a FIFO (named pipe) now; nothing was replaced");
        }
        assertThat(Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    private final List<AtomicOutput> opened = new ArrayList<>();

    @AfterEach
    void closeOutputs() throws IOException {
        for (AtomicOutput out : opened) {
            out.close();
        }
    }

    /**
     * An old rootfs.ext4 and an old boot/ on disk, and three outputs written but not committed:
     * a new rootfs.ext4, a new boot/ and a rootfs.qcow2 that did not exist before.
     */
    private List<AtomicOutput> newImageBootAndQcow2() throws IOException {
        Files.writeString(dir.resolve("rootfs.ext4"), "old image");
        Files.writeString(Files.createDirectories(dir.resolve("boot")).resolve("kernel"), "old kernel");
        AtomicOutput image = AtomicOutput.file(dir.resolve("rootfs.ext4"));
        AtomicOutput boot = AtomicOutput.directory(dir.resolve("boot"), Set.of("kernel"));
        AtomicOutput qcow2 = AtomicOutput.file(dir.resolve("rootfs.qcow2"));
        opened.addAll(List.of(image, boot, qcow2));
        Files.writeString(image.temporary(), "new image");
        Files.writeString(boot.temporary().resolve("kernel"), "new kernel");
        Files.writeString(qcow2.temporary(), "qcow2");
        return List.of(image, boot, qcow2);
    }

    @Test
    void severalOutputsCommitTogetherAndLeaveNoBackups() throws IOException {
        AtomicOutput.commitAll(newImageBootAndQcow2());
        assertThat(dir.resolve("rootfs.ext4")).hasContent("new image");
        assertThat(dir.resolve("boot/kernel")).hasContent("new kernel");
        assertThat(dir.resolve("rootfs.qcow2")).hasContent("qcow2");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("rootfs.ext4", "boot", "rootfs.qcow2");
        }
    }

    @Test
    void whenALaterRenameFailsTheEarlierOutputsAreRestored() throws IOException {
        List<AtomicOutput> outputs = new ArrayList<>(newImageBootAndQcow2());
        Path late = dir.resolve("rootfs.cpio.gz");
        AtomicOutput initramfs = AtomicOutput.file(late);
        opened.add(initramfs);
        outputs.add(initramfs);
        Files.writeString(initramfs.temporary(), "initramfs");
        // Someone puts a directory where the last output goes while the build runs.
        Files.createDirectories(late.resolve("theirs"));

        assertThatThrownBy(() -> AtomicOutput.commitAll(outputs))
                .isInstanceOf(IOException.class).hasMessageContaining(late + ": is a directory now");
        closeOutputs();

        assertThat(dir.resolve("rootfs.ext4")).hasContent("old image");
        assertThat(dir.resolve("boot/kernel")).hasContent("old kernel");
        assertThat(late.resolve("theirs")).isDirectory();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("rootfs.ext4", "boot", "rootfs.cpio.gz");
        }
    }
}
