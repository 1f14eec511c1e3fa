package example;

import dev.kiln.KilnException;
import dev.kiln.build.BuildOptions;
import dev.kiln.build.BuildResult;
import dev.kiln.build.Kiln;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kiln called as a Java library, the way an orchestrator or a test framework would: only the
 * public API (Kiln, BuildOptions, BuildResult, KilnException; ArchitectureTest holds this
 * package to it), no subprocess. The image is checked by e2fsck, not by Kiln.
 */
class LibraryExampleTest {
    @TempDir
    Path dir;

    @Test
    void buildsABootableImageFromATarMadeHere() throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(rootfs))) {
            addDirectory(tar, "etc/");
            addFile(tar, "etc/motd", "built by a library call\n");
            addFile(tar, "bin/app", "#!/bin/sh\necho hi\n");
        }
        Path image = dir.resolve("rootfs.ext4");
        Path archive = dir.resolve("rootfs.tar.gz");

        BuildResult result = Kiln.build(BuildOptions.builder("tar:" + rootfs)
                .output(image)
                .output("tar", archive, null)   // the format said outright; gzip from the name
                .init("kiln")
                .cmd(List.of("/bin/app"))
                .hostname("example")
                .sizeBytes(64L << 20)
                .sourceDateEpoch(1_700_000_000L)
                .build());

        assertThat(result.outputs()).extracting(BuildResult.Output::format).containsExactly("ext4", "tar");
        assertThat(result.outputs().get(0).sizeBytes()).isEqualTo(Files.size(image)).isEqualTo(64L << 20);
        assertThat(result.outputs().get(1).sizeBytes()).isEqualTo(Files.size(archive));
        assertThat(result.outputs().get(1).compression()).isEqualTo("gzip");
        assertThat(result.filesystem().sizeBytes()).isEqualTo(64L << 20);
        assertThat(result.image().manifestDigest()).isNull();   // a tar has no manifest
        assertThat(result.toJson()).contains("\"sizeBytes\"");  // what kiln build --json prints

        Map<String, String> files = readTar(archive);
        assertThat(files).containsEntry("etc/motd", "built by a library call\n").containsEntry("etc/hostname",
                "example\n").containsKeys("sbin/init", "etc/kiln/image.json");
        assertThat(files.get("etc/kiln/image.json")).contains("/bin/app");

        Assumptions.assumeTrue(onPath("e2fsck"), "e2fsck (e2fsprogs) is not installed");
        Process fsck = new ProcessBuilder("e2fsck", "-fn", image.toString()).redirectErrorStream(true).start();
        String report = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(fsck.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(fsck.exitValue()).as(report).isZero();
    }

    @Test
    void aFailureIsOneLineAboutTheSourceAndWritesNothing() {
        Path missing = dir.resolve("missing.tar");
        Path image = dir.resolve("never.ext4");
        assertThatThrownBy(() -> Kiln.build(BuildOptions.builder("tar:" + missing).output(image).build()))
                .isInstanceOf(KilnException.class)
                .hasMessage("tar:" + missing + ": no such file");
        assertThat(image).doesNotExist();
        assertThatThrownBy(() -> BuildOptions.builder("tar:" + missing).output("floppy", image, null))
                .isInstanceOf(KilnException.class).hasMessageContaining("floppy");
    }

    private static void addDirectory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void addFile(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100755);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static Map<String, String> readTar(Path file) throws IOException {
        Map<String, String> files = new HashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                files.put(e.getName(), e.isFile() ? new String(tar.readAllBytes(), StandardCharsets.UTF_8) : "");
            }
        }
        return files;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
