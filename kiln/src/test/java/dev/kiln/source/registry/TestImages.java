package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.testing.Tools;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small real images built with umoci (layers are tars we write; umoci compresses and records them). */
final class TestImages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {
    }

    static Path layout(Path dir) throws Exception {
        Tools.checkIn(dir.getParent(), List.of("umoci", "init", "--layout", dir.toString()));
        return dir;
    }

    /**
     * Adds an image {@code tag} for {@code arch} with one layer per map (path -> content;
     * a path ending in '/' is a directory).
     */
    @SafeVarargs
    static void image(Path layout, String tag, String arch, Map<String, byte[]>... layers) throws Exception {
        String image = layout + ":" + tag;
        Path work = layout.getParent();
        Tools.checkIn(work, List.of("umoci", "new", "--image", image));
        int n = 0;
        for (Map<String, byte[]> files : layers) {
            Path tar = work.resolve(tag + "-layer" + (n++) + ".tar");
            try (OutputStream out = Files.newOutputStream(tar);
                 TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
                t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (var e : files.entrySet()) {
                    TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                    entry.setModTime(1_700_000_000_000L);
                    if (!e.getKey().endsWith("/")) {
                        entry.setSize(e.getValue().length);
                        entry.setMode(0100644);
                    } else {
                        entry.setMode(040755);
                    }
                    t.putArchiveEntry(entry);
                    if (!e.getKey().endsWith("/")) {
                        t.write(e.getValue());
                    }
                    t.closeArchiveEntry();
                }
            }
            Tools.checkIn(work, List.of("umoci", "raw", "add-layer", "--image", image, tar.toString()));
            Files.delete(tar);
        }
        Tools.checkIn(work, List.of("umoci", "config", "--image", image, "--os", "linux", "--architecture", arch,
                "--config.cmd", "/bin/app", "--config.label", "arch=" + arch));
    }

    static Map<String, byte[]> files(Object... pathsAndContents) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            Object v = pathsAndContents[i + 1];
            m.put((String) pathsAndContents[i], v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8));
        }
        return m;
    }

    /** Writes an OCI index (blob) over the manifests tagged {@code tags}, and tags it {@code indexTag}. */
    static void index(Path layout, String indexTag, List<String> tags) throws Exception {
        ObjectNode top = (ObjectNode) JSON.readTree(layout.resolve("index.json").toFile());
        ArrayNode manifests = JSON.createArrayNode();
        for (String tag : tags) {
            JsonNode d = find(top, tag);
            JsonNode manifest = JSON.readTree(blob(layout, d.path("digest").asText()));
            JsonNode config = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()));
            ObjectNode entry = JSON.createObjectNode();
            entry.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            entry.put("digest", d.path("digest").asText());
            entry.put("size", d.path("size").asLong());
            ObjectNode platform = entry.putObject("platform");
            platform.put("architecture", config.path("architecture").asText());
            platform.put("os", config.path("os").asText());
            manifests.add(entry);
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.set("manifests", manifests);
        byte[] bytes = JSON.writeValueAsBytes(index);
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        Files.write(layout.resolve("blobs/sha256").resolve(hex), bytes);
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", "application/vnd.oci.image.index.v1+json");
        d.put("digest", "sha256:" + hex);
        d.put("size", bytes.length);
        d.putObject("annotations").put("org.opencontainers.image.ref.name", indexTag);
        ((ArrayNode) top.path("manifests")).add(d);
        JSON.writeValue(layout.resolve("index.json").toFile(), top);
    }

    /** The descriptor of {@code tag} in the layout's index.json. */
    static JsonNode find(JsonNode top, String tag) {
        for (JsonNode d : top.path("manifests")) {
            if (tag.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                return d;
            }
        }
        throw new IllegalArgumentException("no tag " + tag);
    }

    static byte[] blob(Path layout, String digest) throws IOException {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    }

    /** The manifest of {@code tag} in the layout. */
    static JsonNode manifest(Path layout, String tag) throws IOException {
        JsonNode top = JSON.readTree(layout.resolve("index.json").toFile());
        return JSON.readTree(blob(layout, find(top, tag).path("digest").asText()));
    }

    static String manifestDigest(Path layout, String tag) throws IOException {
        JsonNode top = JSON.readTree(layout.resolve("index.json").toFile());
        return find(top, tag).path("digest").asText();
    }
}
