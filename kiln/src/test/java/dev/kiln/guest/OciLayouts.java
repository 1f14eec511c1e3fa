package dev.kiln.guest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.testing.Tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Boot-test images made with umoci in an OCI layout: one image per architecture from a root
 * directory the test fills, and an image index listing them under one tag, as a registry's
 * multi-platform images are. umoci unpack needs root to keep owners.
 */
final class OciLayouts {
    /** Fills a new image's root directory. */
    interface Filler {
        void fill(Path rootfs) throws IOException;
    }

    private OciLayouts() {
    }

    /**
     * Adds image {@code tag} for {@code arch} to {@code layout} (created when missing): an empty
     * image unpacked into {@code work}, filled, repacked as one layer, then configured with
     * {@code config} (umoci config options such as --config.cmd X).
     */
    static void image(Path layout, Path work, String tag, String arch, Filler fill, String... config)
            throws IOException {
        if (!Files.exists(layout.resolve("index.json"))) {
            Tools.check("umoci", "init", "--layout", layout.toString());
        }
        Path bundle = work.resolve("bundle-" + tag);
        Tools.check("umoci", "new", "--image", layout + ":new-" + tag);
        Tools.check("umoci", "unpack", "--image", layout + ":new-" + tag, bundle.toString());
        fill.fill(bundle.resolve("rootfs"));
        Tools.check("umoci", "repack", "--image", layout + ":new-" + tag, bundle.toString());
        List<String> command = new ArrayList<>(List.of("umoci", "config", "--image", layout + ":new-" + tag, "--tag", tag,
                "--os", "linux", "--architecture", arch));
        command.addAll(List.of(config));
        Tools.check(command.toArray(String[]::new));
        Tools.check("rm", "-rf", bundle.toString());
    }

    /** Adds an image index under {@code tag} listing the images tagged {@code tag-ARCH} for each of {@code archs}. */
    static void index(Path layout, String tag, String... archs) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path indexJson = layout.resolve("index.json");
        ObjectNode top = (ObjectNode) json.readTree(indexJson.toFile());
        ObjectNode index = json.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json");
        ArrayNode manifests = index.putArray("manifests");
        for (String arch : archs) {
            for (var d : top.path("manifests")) {
                if ((tag + "-" + arch).equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                    ObjectNode entry = ((ObjectNode) d.deepCopy()).without("annotations");
                    entry.putObject("platform").put("os", "linux").put("architecture", arch);
                    manifests.add(entry);
                }
            }
        }
        if (manifests.size() != archs.length) {
            throw new AssertionError(layout + ": not every one of " + List.of(archs) + " has an image " + tag + "-ARCH");
        }
        byte[] blob = json.writeValueAsBytes(index);
        String hex;
        try {
            hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(blob));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Files.write(layout.resolve("blobs/sha256/" + hex), blob);
        ObjectNode ref = ((ArrayNode) top.get("manifests")).addObject()
                .put("mediaType", "application/vnd.oci.image.index.v1+json")
                .put("digest", "sha256:" + hex).put("size", blob.length);
        ref.putObject("annotations").put("org.opencontainers.image.ref.name", tag);
        json.writeValue(indexJson.toFile(), top);
    }
}
