package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small OCI image layouts written byte by byte (no tool needed), shaped as other tools write
 * them: one uncompressed layer per image, index.json entries with names and platforms as
 * {@code kiln pull --to} writes them. For the cases real tools will not produce on purpose.
 */
final class MiniLayout {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    private final ArrayNode manifests;
    private final ObjectNode index;

    MiniLayout(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        manifests = index.putArray("manifests");
        writeIndex();
    }

    /** What one image is made of, by digest. */
    record Image(String manifest, String config, String layer) {
    }

    /** Adds an image whose one layer holds {@code files} (path -> content), listed as {@code name} (may be null). */
    Image add(String name, String arch, Map<String, String> files) throws IOException {
        byte[] layer = tar(files);
        String layerDigest = blob(layer);
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", arch);
        config.put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/" + (name == null ? "app" : name));
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(layerDigest);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = blob(configBytes);
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.set("config", descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length));
        manifest.putArray("layers").add(descriptor(MediaTypes.OCI_LAYER_TAR, layerDigest, layer.length));
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = blob(manifestBytes);
        ObjectNode entry = descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifestBytes.length);
        entry.putObject("platform").put("architecture", arch).put("os", "linux");
        if (name != null) {
            entry.putObject("annotations").put(Descriptor.REF_NAME, name);
        }
        manifests.add(entry);
        writeIndex();
        return new Image(manifestDigest, configDigest, layerDigest);
    }

    Path blobPath(String digest) {
        return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    private String blob(byte[] bytes) throws IOException {
        String digest = sha256(bytes);
        Files.write(blobPath(digest), bytes);
        return digest;
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private void writeIndex() throws IOException {
        JSON.writeValue(dir.resolve("index.json").toFile(), index);
    }

    static Map<String, String> files(String... pathsAndContents) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            m.put(pathsAndContents[i], pathsAndContents[i + 1]);
        }
        return m;
    }

    static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (var e : files.entrySet()) {
                byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(data.length);
                entry.setMode(0100644);
                t.putArchiveEntry(entry);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /**
     * Packs a directory tree into a tar file as an archive source would hold it; {@code extra}
     * adds members of any kind (devices, FIFOs, links) after the tree's files.
     */
    static void packTar(Path tree, Path tarFile, TarArchiveEntry... extra) throws IOException {
        try (OutputStream file = Files.newOutputStream(tarFile);
             TarArchiveOutputStream t = new TarArchiveOutputStream(file);
             var walk = Files.walk(tree)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                if (!Files.isRegularFile(p)) {
                    continue;
                }
                String name = tree.relativize(p).toString();
                if (java.util.Arrays.stream(extra).anyMatch(x -> x.getName().equals(name))) {
                    continue;   // replaced by the special member
                }
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(Files.size(p));
                t.putArchiveEntry(e);
                Files.copy(p, t);
                t.closeArchiveEntry();
            }
            for (TarArchiveEntry e : extra) {
                t.putArchiveEntry(e);
                t.closeArchiveEntry();
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
