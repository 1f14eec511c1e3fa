package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageIndex;
import dev.kiln.image.Json;
import dev.kiln.io.FileLocks;
import dev.kiln.io.Temporaries;

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
 * Saves an image as an OCI image layout (`kiln pull REF --to oci:DIR[:TAG]`): its manifest, its
 * config and layers, byte for byte as given (so the digests stay valid), and an index.json entry
 * named TAG. An existing layout gains the image (an entry with the same name is replaced);
 * index.json is replaced atomically, last. A target that is neither a layout nor a new or empty
 * directory is refused before anything is written.
 *
 * <p>The entries other tools wrote stay exactly as they were: index.json is edited as a JSON tree,
 * and the typed {@link ImageIndex} only decides which entries to replace.
 */
public final class LayoutWriter {
    private static final ObjectMapper JSON = Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<Path, ReentrantLock> INDEX_LOCKS = new ConcurrentHashMap<>();

    /** Where the blobs to save are: files named by digest (kiln's blob cache). */
    @FunctionalInterface
    public interface BlobFiles {
        Path file(Descriptor blob) throws IOException;
    }

    private LayoutWriter() {
    }

    /**
     * Fails unless {@code dir} can take an image (a layout, a new or an empty directory); called
     * before any download, so a mistyped --to costs nothing.
     */
    public static void checkTarget(Path dir) throws IOException {
        existingIndex(dir);
    }

    /**
     * Writes the blobs, then the index entry.
     *
     * @param manifest the manifest's descriptor as it goes into index.json (media type, digest, size,
     *                 platform), without its name
     * @param name     the entry's name (org.opencontainers.image.ref.name), or null for none
     * @param blobs    every blob the manifest needs: the manifest itself, its config and its layers
     */
    public static void write(Path dir, String name, Descriptor manifest, List<Descriptor> blobs, BlobFiles files)
            throws IOException {
        // Check what is there before writing anything into it.
        existingIndex(dir);
        // The marker is the first thing in the directory, so a pull starting meanwhile sees it
        // empty or a layout, never "not empty and not a layout".
        Files.createDirectories(dir);
        try {
            Files.writeString(dir.resolve(OciLayout.MARKER), OciLayout.MARKER_CONTENT, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            // a layout already, or another pull made it one
        }
        Files.createDirectories(dir.resolve(OciLayout.BLOBS));
        for (Descriptor blob : blobs) {
            Path dest = OciLayout.blobPath(dir, blob.check(dir.toString()));
            Files.createDirectories(dest.getParent());
            copyBlob(files.file(blob), dest);
        }
        Descriptor entry = new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), manifest.platform(),
                name == null ? null : Map.of(Descriptor.REF_NAME, name), null);
        writeIndex(dir, entry);
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
        if (!empty && !Files.isRegularFile(dir.resolve(OciLayout.MARKER))) {
            throw new KilnException(dir + ": not empty and not an OCI image layout (no oci-layout file);"
                    + " --to oci:DIR needs a layout or a new or empty directory");
        }
        Path indexFile = dir.resolve(OciLayout.INDEX);
        if (!Files.exists(indexFile)) {
            return JSON.valueToTree(ImageIndex.empty());
        }
        JsonNode existing = Json.tree(Files.readAllBytes(indexFile), indexFile.toString());
        if (!(existing instanceof ObjectNode o) || !existing.path("manifests").isArray()) {
            throw new KilnException(indexFile + ": not an OCI image index");
        }
        typed(o, indexFile);
        return o;
    }

    private static ImageIndex typed(ObjectNode index, Path indexFile) {
        return Json.bind(index, ImageIndex.class, indexFile.toString());
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
     * Adds the entry to index.json, replacing one of the same name (or, unnamed, of the same
     * digest). Several pulls may add images to one layout at once: each re-reads the index under a
     * lock on the layout's {@code oci-layout} file (threads of one process first agree in memory,
     * as for the blob cache), so none loses another's entry.
     */
    private static void writeIndex(Path dir, Descriptor entry) throws IOException {
        ReentrantLock local = INDEX_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
        local.lock();
        try (FileChannel marker = FileChannel.open(dir.resolve(OciLayout.MARKER), StandardOpenOption.WRITE);
             FileLock ignored = FileLocks.lockPolling(marker, dir + "/" + OciLayout.INDEX)) {
            Path indexFile = dir.resolve(OciLayout.INDEX);
            ObjectNode index = existingIndex(dir);
            List<Descriptor> entries = typed(index, indexFile).manifests();
            ArrayNode manifests = (ArrayNode) index.path("manifests");
            List<Integer> replaced = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                String n = entries.get(i).refName();
                boolean sameName = entry.refName() != null && entry.refName().equals(n);
                boolean sameUnnamed = entry.refName() == null && n == null && entries.get(i).digest().equals(entry.digest());
                if (sameName || sameUnnamed) {
                    replaced.add(i);
                }
            }
            for (int i = replaced.size() - 1; i >= 0; i--) {
                manifests.remove(replaced.get(i).intValue());
            }
            manifests.add(JSON.valueToTree(entry));
            Temporaries.Claim claim = Temporaries.claim(dir, OciLayout.INDEX);
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
