package dev.kiln.source.oci;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What `kiln pull --to oci:DIR` accepts as DIR, decided before anything is written. */
class LayoutWriterTest {
    @TempDir
    Path dir;

    @Test
    void aNewOrEmptyDirectoryStartsAnEmptyIndex() throws Exception {
        assertThat(LayoutWriter.existingIndex(dir.resolve("new")).path("manifests").size()).isZero();
        assertThat(LayoutWriter.existingIndex(dir).path("manifests").size()).isZero();
        assertThat(Files.exists(dir.resolve("new"))).isFalse();
    }

    @Test
    void aLayoutKeepsItsIndex() throws Exception {
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:ab\"}]}");
        assertThat(LayoutWriter.existingIndex(dir).path("manifests").get(0).path("digest").asText())
                .isEqualTo("sha256:ab");
    }

    @Test
    void aDirectoryWithOtherFilesIsRefused() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> LayoutWriter.existingIndex(dir)).isInstanceOf(KilnException.class)
                .hasMessage(dir + ": not empty and not an OCI image layout (no oci-layout file);"
                        + " --to oci:DIR needs a layout or a new or empty directory");
    }

    @Test
    void aFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> LayoutWriter.existingIndex(file)).isInstanceOf(KilnException.class)
                .hasMessageStartingWith(file + ": exists and is not a directory");
    }

    @Test
    void aBrokenIndexIsRefused() throws Exception {
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,");
        assertThatThrownBy(() -> LayoutWriter.existingIndex(dir)).isInstanceOf(KilnException.class)
                .hasMessageStartingWith(dir.resolve("index.json") + ": not valid JSON");
        Files.writeString(dir.resolve("index.json"), "[]");
        assertThatThrownBy(() -> LayoutWriter.existingIndex(dir)).isInstanceOf(KilnException.class)
                .hasMessage(dir.resolve("index.json") + ": not an OCI image index");
    }
}
