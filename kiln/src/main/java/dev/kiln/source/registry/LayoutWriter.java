package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.KilnException;
import dev.kiln.io.Temporaries;
import dev.kiln.source.oci.MediaTypes;
import dev.kiln.source.Layer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Saves a pulled image as an OCI image layout (`kiln pull REF --to oci:DIR[:TAG]`): the resolved
 * platform's manifest, its config and layers, byte for byte as the registry served them (so the
 * digests stay valid), and an index.json entry named TAG. An existing layout gains the image
 * (an entry with the same name is replaced); index.json is replaced atomically, last. A target
 * that is neither a layout nor a new or empty directory is refused before anything is written.
 */
final class LayoutWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final Map<Path, ReentrantLock> INDEX_LOCKS = new ConcurrentHashMap<>();

    private LayoutWriter() {
    }

    /** Returns the manifest digest written. */
    static String write(Path dir, String name, RegistrySource.RegistryImage image) throws IOException {
        // Check what is there before writing anything into it.
        existingIndex(dir);
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

    /**
     * The layout's index, or a new empty one when DIR does not exist or is empty. Anything else
     * (files but no oci-layout marker, an index that is not an image index) is refused before a
     * single byte is written, so a mistyped --to cannot litter a directory that is not a layout.
     */
    static ObjectNode existingIndex(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new KilnException(dir + ": exists and is not a directory; --to oci:DIR needs an OCI image layout"
                    + " or a new or empty directory");
        }
        boolean empty = !Files.exists(dir);
        if (!empty) {
            try (var children = Files.list(dir)) {
                empty = children.findAny().isEmpty();
            }
        }
        if (!empty && !Files.isRegularFile(dir.resolve("oci-layout"))) {
            throw new KilnException(dir + ": not empty and not an OCI image layout (no oci-layout file);"
                    + " --to oci:DIR needs a layout or a new or empty directory");
        }
        Path indexFile = dir.resolve("index.json");
        if (!Files.exists(indexFile)) {
            ObjectNode index = JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            index.putArray("manifests");
            return index;
        }
        JsonNode existing;
        try {
            existing = JSON.readTree(indexFile.toFile());
        } catch (IOException e) {
            throw new KilnException(indexFile + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(existing instanceof ObjectNode o) || !existing.path("manifests").isArray()) {
            throw new KilnException(indexFile + ": not an OCI image index");
        }
        return o;
    }

    private static void copyBlob(Path src, Path dest) throws IOException {
        if (Files.exists(dest)) {
            return; // content-addressed: same name, same bytes
        }
        // A claimed temporary: a pull killed meanwhile leaves nothing that a later one keeps.
        Temporaries.Claim claim = Temporaries.claim(dest.getParent(), dest.getFileName().toString());
        try {
            Path tmp = claim.temporary();
            try {
                Files.createLink(tmp, src); // same filesystem: no copy
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(src, tmp);
            }
            try {
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // another pull wrote the same content meanwhile
            }
        } finally {
            claim.release();
        }
    }

    /**
     * Adds the entry to index.json. Several pulls may add images to one layout at once: each
     * re-reads the index under a lock on the layout's {@code oci-layout} file (threads of one
     * process first agree in memory, as for the blob cache), so none loses another's entry.
     */
    private static void writeIndex(Path dir, ObjectNode descriptor, String name) throws IOException {
        ReentrantLock local = INDEX_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
        local.lock();
        try (FileChannel marker = FileChannel.open(dir.resolve("oci-layout"), StandardOpenOption.WRITE);
             FileLock ignored = BlobCache.lockPolling(marker, dir + "/index.json")) {
            ObjectNode index = existingIndex(dir);
            ArrayNode manifests = (ArrayNode) index.path("manifests");
            for (int i = manifests.size() - 1; i >= 0; i--) {
                JsonNode d = manifests.get(i);
                String n = d.path("annotations").path(REF_NAME).asText(null);
                boolean sameName = name != null && name.equals(n);
                boolean sameUnnamed = name == null && n == null
                        && d.path("digest").asText().equals(descriptor.path("digest").asText());
                if (sameName || sameUnnamed) {
                    manifests.remove(i);
                }
            }
            manifests.add(descriptor);
            Path indexFile = dir.resolve("index.json");
            Temporaries.Claim claim = Temporaries.claim(dir, "index.json");
            try {
                JSON.writeValue(claim.temporary().toFile(), index);
                Files.move(claim.temporary(), indexFile, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } finally {
                claim.release();
            }
        } finally {
            local.unlock();
        }
    }
}
