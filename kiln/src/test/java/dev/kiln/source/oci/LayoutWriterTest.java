package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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

    /** What another tool wrote: properties Kiln does not know, in an order of its own. */
    private static final String FOREIGN_ENTRY = "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"sha256:"
            + "e".repeat(64) + "\",\"size\":7,\"annotations\":{\"" + Descriptor.REF_NAME + "\":\"theirs\","
            + "\"io.containerd.image.name\":\"x\"},\"artifactType\":\"application/x-thing\",\"data\":\"e30=\","
            + "\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\",\"os.version\":\"10.0.17763\"}}";

    @Test
    void writesTheBlobsAndAnEntryAndKeepsEveryOtherEntryAsWritten() throws Exception {
        Path layout = dir.resolve("layout");
        Files.createDirectories(layout);
        Files.writeString(layout.resolve("oci-layout"), OciLayout.MARKER_CONTENT);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + FOREIGN_ENTRY
                + "],\"annotations\":{\"who\":\"them\"}}");
        Image image = image("one");
        LayoutWriter.write(layout, "v1", image.manifest, image.blobs, image::file);

        JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
        assertThat(index.path("manifests")).hasSize(2);
        assertThat(index.path("manifests").get(0)).isEqualTo(new ObjectMapper().readTree(FOREIGN_ENTRY));
        assertThat(index.path("annotations").path("who").asText()).isEqualTo("them");
        assertThat(new ObjectMapper().writeValueAsString(index.path("manifests").get(1))).isEqualTo(
                "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + image.manifest.digest() + "\",\"size\":"
                        + image.manifest.size() + ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"},"
                        + "\"annotations\":{\"" + Descriptor.REF_NAME + "\":\"v1\"}}");
        for (Descriptor blob : image.blobs) {
            assertThat(layout.resolve("blobs/sha256/" + blob.encoded())).hasSameBinaryContentAs(image.file(blob));
        }
    }

    @Test
    void anImageOfTheSameNameReplacesItsEntryAndAnUnnamedOneOnlyItsOwnDigest() throws Exception {
        Path layout = dir.resolve("layout");
        Image one = image("one");
        Image two = image("two");
        LayoutWriter.write(layout, "v1", one.manifest, one.blobs, one::file);
        LayoutWriter.write(layout, null, one.manifest, one.blobs, one::file);
        LayoutWriter.write(layout, null, two.manifest, two.blobs, two::file);
        LayoutWriter.write(layout, "v1", two.manifest, two.blobs, two::file);
        LayoutWriter.write(layout, null, one.manifest, one.blobs, one::file);
        JsonNode manifests = new ObjectMapper().readTree(layout.resolve("index.json").toFile()).path("manifests");
        List<String> entries = new ArrayList<>();
        manifests.forEach(m -> entries.add(m.path("digest").asText() + " "
                + m.path("annotations").path(Descriptor.REF_NAME).asText("-")));
        assertThat(entries).containsExactly(two.manifest.digest() + " -", two.manifest.digest() + " v1",
                one.manifest.digest() + " -");
        assertThat(Files.readString(layout.resolve("oci-layout"))).isEqualTo(OciLayout.MARKER_CONTENT);
    }

    /**
     * Pulls that start together into one new directory: each sees the directory as new, empty or a
     * layout at every instant, never as "not empty and not a layout" (the marker comes first).
     */
    @Test
    void pullsStartingTogetherIntoOneNewDirectoryAllLand() throws Exception {
        Image image = image("together");
        int writers = 6;
        for (int round = 0; round < 40; round++) {
            Path layout = dir.resolve("together-" + round);
            var start = new java.util.concurrent.CyclicBarrier(writers);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                List<java.util.concurrent.Future<?>> results = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    String name = "name" + i;
                    results.add(pool.submit(() -> {
                        start.await();
                        LayoutWriter.write(layout, name, image.manifest, image.blobs, image::file);
                        return null;
                    }));
                }
                for (var result : results) {
                    result.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(new ObjectMapper().readTree(layout.resolve("index.json").toFile()).path("manifests"))
                    .as("round %d", round).hasSize(writers);
        }
    }

    /** A manifest, config and layer as files named by digest, as the blob cache holds them. */
    private record Image(Descriptor manifest, List<Descriptor> blobs, Path store) {
        Path file(Descriptor blob) {
            return store.resolve(blob.encoded());
        }
    }

    private Image image(String content) throws IOException {
        Path store = Files.createDirectories(dir.resolve("cache-" + content));
        Descriptor layer = blob(store, MediaTypes.OCI_LAYER_TAR, content);
        Descriptor config = blob(store, MediaTypes.OCI_CONFIG, "{\"architecture\":\"arm64\",\"os\":\"linux\"}");
        Descriptor manifest = blob(store, MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\""
                + config.digest() + "\",\"size\":" + config.size() + "},\"layers\":[{\"digest\":\"" + layer.digest()
                + "\",\"size\":" + layer.size() + "}]}");
        Descriptor entry = new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(),
                new Platform("linux", "arm64", ""), null, null);
        return new Image(entry, List.of(manifest, config, layer), store);
    }

    private static Descriptor blob(Path store, String type, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        String digest = MiniLayout.sha256(bytes);
        Files.write(store.resolve(digest.substring("sha256:".length())), bytes);
        return new Descriptor(type, digest, bytes.length);
    }
}
