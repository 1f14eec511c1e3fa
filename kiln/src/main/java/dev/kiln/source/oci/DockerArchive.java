package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.source.Image;
import dev.kiln.source.Layer;
import dev.kiln.source.SourceOptions;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code docker save} (and {@code skopeo copy ... docker-archive:}) writes: manifest.json
 * naming a config file and layer files, either as {@code HEX.json}/{@code HEX.tar},
 * {@code ID/layer.tar} (old layout) or {@code blobs/sha256/HEX} (newer Docker's OCI variant).
 */
final class DockerArchive {
    private static final Pattern DIGEST_NAME = Pattern.compile("(?:^|/)(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.tar|\\.json)?$");

    private DockerArchive() {
    }

    static Image open(ArchiveFile archive, String ref, SourceOptions options) throws IOException {
        try {
            return resolve(archive, ref, options);
        } catch (RuntimeException | IOException e) {
            archive.close();
            throw e;
        }
    }

    private static Image resolve(ArchiveFile archive, String ref, SourceOptions options) throws IOException {
        String where = "docker-archive:" + archive.file();
        InputStream manifestStream = archive.open("manifest.json");
        if (manifestStream == null) {
            throw new KilnException(archive.file() + ": not a docker archive (no manifest.json)");
        }
        JsonNode manifests;
        try (manifestStream) {
            manifests = BlobStore.JSON.readTree(manifestStream);
        }
        JsonNode chosen = choose(manifests, ref, where);
        Store store = new Store(archive, where);

        String configName = chosen.path("Config").asText("");
        Descriptor configDescriptor = store.add(configName, MediaTypes.DOCKER_CONFIG, null);
        JsonNode config = store.readJson(configDescriptor);
        List<String> diffIds = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(n -> diffIds.add(n.asText()));

        JsonNode layerNames = chosen.path("Layers");
        if (!diffIds.isEmpty() && diffIds.size() != layerNames.size()) {
            throw new KilnException(where + ": manifest.json lists " + layerNames.size()
                    + " layers but the config has " + diffIds.size() + " diff_ids");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerNames.size(); i++) {
            // docker save writes uncompressed layers, so a layer file's own hash is its diff_id.
            String fallback = i < diffIds.size() ? diffIds.get(i) : null;
            Descriptor d = store.add(layerNames.get(i).asText(), MediaTypes.DOCKER_LAYER_TAR, fallback);
            layers.add(new BlobLayer(store, d, MediaTypes.Compression.DETECT));
        }
        ImageResolver resolver = new ImageResolver(store, options.platform());
        Platform actual = Platform.of(config);
        resolver.checkPlatform(actual, where);
        return new OciImage(store, layers, ImageConfigs.parse(config), null, actual, configDescriptor.digest());
    }

    /**
     * The image named {@code ref} (a tag, or {@code @N} for the N-th image); without a ref the
     * archive must hold exactly one image. An archive of several is refused listing their names
     * (an untagged one as {@code @N}), as skopeo does, instead of building the first.
     */
    private static JsonNode choose(JsonNode manifests, String ref, String where) {
        if (!manifests.isArray() || manifests.isEmpty()) {
            throw new KilnException(where + ": manifest.json lists no images");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode m = manifests.get(i);
            if (m.path("RepoTags").isEmpty()) {
                names.add("@" + i);
            }
            for (JsonNode t : m.path("RepoTags")) {
                names.add(t.asText());
                if (ref != null && sameTag(ref, t.asText())) {
                    return m;
                }
            }
        }
        if (ref == null) {
            if (manifests.size() == 1) {
                return manifests.get(0);
            }
            throw new KilnException(where + ": holds several images; name one of " + String.join(", ", names)
                    + " (docker-archive:FILE:REPO:TAG, or :@N for the N-th)");
        }
        if (ref.matches("@\\d{1,9}")) {
            int index = Integer.parseInt(ref.substring(1));
            if (index < manifests.size()) {
                return manifests.get(index);
            }
        }
        throw new KilnException(where + ": no image tagged \"" + ref + "\"; present: " + String.join(", ", names));
    }

    /** "app:1" matches "docker.io/library/app:1" and the other spellings of the same name. */
    static boolean sameTag(String a, String b) {
        return canonical(a).equals(canonical(b));
    }

    private static String canonical(String ref) {
        String r = ref;
        if (r.startsWith("docker.io/")) {
            r = r.substring("docker.io/".length());
        }
        if (r.startsWith("library/")) {
            r = r.substring("library/".length());
        }
        return r;
    }

    /** Archive members by digest: named by their own digest when the name is one, else by diff_id. */
    private static final class Store implements BlobStore {
        private final ArchiveFile archive;
        private final String description;
        private final Map<String, String> names = new HashMap<>();

        Store(ArchiveFile archive, String description) {
            this.archive = archive;
            this.description = description;
        }

        Descriptor add(String name, String mediaType, String fallbackDigest) {
            long size = archive.size(name);
            if (name.isEmpty() || size < 0) {
                throw new KilnException(description + ": " + (name.isEmpty() ? "manifest.json entry" : name)
                        + " is missing from the archive");
            }
            Matcher m = DIGEST_NAME.matcher(name);
            String digest = m.find() ? "sha256:" + m.group(1) : fallbackDigest;
            if (digest == null) {
                throw new KilnException(description + ": " + name + ": no digest to verify it against");
            }
            names.put(digest, name);
            return new Descriptor(mediaType, digest, size, null, null, null);
        }

        @Override
        public InputStream openRaw(Descriptor d) {
            String name = names.get(d.digest());
            try {
                return name == null ? null : archive.open(name);
            } catch (KilnException e) {
                throw new KilnException(d.digest() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public void close() throws IOException {
            archive.close();
        }
    }
}
