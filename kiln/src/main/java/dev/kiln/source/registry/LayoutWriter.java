package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.KilnException;
import dev.kiln.source.oci.MediaTypes;
import dev.kiln.source.Layer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Saves a pulled image as an OCI image layout (`kiln pull REF --to oci:DIR[:TAG]`): the resolved
 * platform's manifest, its config and layers, byte for byte as the registry served them (so the
 * digests stay valid), and an index.json entry named TAG. An existing layout gains the image
 * (an entry with the same name is replaced); index.json is replaced atomically, last.
 */
final class LayoutWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private LayoutWriter() {
    }

    /** Returns the manifest digest written. */
    static String write(Path dir, String name, RegistrySource.RegistryImage image) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
        Path marker = dir.resolve("oci-layout");
        if (!Files.exists(marker)) {
            Files.writeString(marker, "{\"imageLayoutVersion\":\"1.0.0\"}");
        }
        String manifestDigest = image.manifestDigest().orElseThrow();
        List<String> digests = new ArrayList<>();
        digests.add(manifestDigest);
        image.configDigest().ifPresent(digests::add);
        for (Layer l : image.layers()) {
            digests.add(l.digest());
        }
        for (String digest : digests) {
            Path src = image.cache.get(digest).orElseThrow(() -> new KilnException(digest + ": missing from the cache after download"));
            copyBlob(src, blobs.resolve(Digests.hex(digest)));
        }
        JsonNode manifest = image.manifest();
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("mediaType", manifest.path("mediaType").asText(MediaTypes.OCI_MANIFEST));
        descriptor.put("digest", manifestDigest);
        descriptor.put("size", Files.size(blobs.resolve(Digests.hex(manifestDigest))));
        image.platform().ifPresent(p -> {
            String[] parts = p.split("/");
            ObjectNode platform = descriptor.putObject("platform");
            platform.put("architecture", parts[1]);
            platform.put("os", parts[0]);
            if (parts.length > 2) {
                platform.put("variant", parts[2]);
            }
        });
        if (name != null) {
            descriptor.putObject("annotations").put(REF_NAME, name);
        }
        writeIndex(dir, descriptor, name);
        return manifestDigest;
    }

    private static void copyBlob(Path src, Path dest) throws IOException {
        if (Files.exists(dest)) {
            return; // content-addressed: same name, same bytes
        }
        Path tmp = dest.resolveSibling(dest.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createLink(tmp, src); // same filesystem: no copy
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp);
        }
    }

    private static void writeIndex(Path dir, ObjectNode descriptor, String name) throws IOException {
        Path indexFile = dir.resolve("index.json");
        ObjectNode index;
        if (Files.exists(indexFile)) {
            JsonNode existing = JSON.readTree(indexFile.toFile());
            if (!(existing instanceof ObjectNode o) || !existing.path("manifests").isArray()) {
                throw new KilnException(indexFile + ": not an OCI image index");
            }
            index = o;
        } else {
            index = JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            index.putArray("manifests");
        }
        ArrayNode manifests = (ArrayNode) index.path("manifests");
        for (int i = manifests.size() - 1; i >= 0; i--) {
            JsonNode d = manifests.get(i);
            String n = d.path("annotations").path(REF_NAME).asText(null);
            boolean sameName = name != null && name.equals(n);
            boolean sameUnnamed = name == null && n == null && d.path("digest").asText().equals(descriptor.path("digest").asText());
            if (sameName || sameUnnamed) {
                manifests.remove(i);
            }
        }
        manifests.add(descriptor);
        Path tmp = dir.resolve("index.json.tmp");
        JSON.writeValue(tmp.toFile(), index);
        Files.move(tmp, indexFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
