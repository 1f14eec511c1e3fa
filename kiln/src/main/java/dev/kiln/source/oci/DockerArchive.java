package dev.kiln.source.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.kiln.KilnException;
import dev.kiln.image.ConfigBlob;
import dev.kiln.image.Descriptor;
import dev.kiln.image.Image;
import dev.kiln.image.Json;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.Platform;

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

    /** One image of manifest.json: its config file, its tags and its layer files, bottom first. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Entry(@JsonProperty("Config") String config,
                 @JsonProperty("RepoTags") @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> repoTags,
                 @JsonProperty("Layers") @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> layers) {
        Entry {
            config = config == null ? "" : config;
            repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
            layers = layers == null ? List.of() : List.copyOf(layers);
        }
    }

    static Image open(ArchiveFile archive, String ref, String platform) throws IOException {
        try {
            return resolve(archive, ref, platform);
        } catch (RuntimeException | IOException e) {
            archive.close();
            throw e;
        }
    }

    private static Image resolve(ArchiveFile archive, String ref, String platform) throws IOException {
        String where = "docker-archive:" + archive.file();
        InputStream manifestStream = archive.open("manifest.json");
        if (manifestStream == null) {
            throw new KilnException(archive.file() + ": not a docker archive (no manifest.json)");
        }
        Entry[] manifests = Json.read(BlobStore.readSmall(manifestStream, where + " manifest.json"), Entry[].class,
                where + " manifest.json");
        Entry chosen = choose(manifests, ref, where);
        Store store = new Store(archive, where);

        Descriptor configDescriptor = store.add(chosen.config(), MediaTypes.DOCKER_CONFIG, null);
        ConfigBlob config = ConfigBlob.read(store.readDocument(configDescriptor), configDescriptor.digest());
        List<String> diffIds = config.diffIds();

        List<String> layerNames = chosen.layers();
        if (!diffIds.isEmpty() && diffIds.size() != layerNames.size()) {
            throw new KilnException(where + ": manifest.json lists " + layerNames.size()
                    + " layers but the config has " + diffIds.size() + " diff_ids");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < layerNames.size(); i++) {
            // docker save writes uncompressed layers, so a layer file's own hash is its diff_id.
            String fallback = i < diffIds.size() ? diffIds.get(i) : null;
            Descriptor d = store.add(layerNames.get(i), MediaTypes.DOCKER_LAYER_TAR, fallback);
            layers.add(new BlobLayer(store, d, MediaTypes.Compression.DETECT));
        }
        ImageResolver resolver = new ImageResolver(store, platform);
        Platform actual = config.platform();
        resolver.checkPlatform(actual, where);
        return new OciImage(store, layers, config.imageConfig(), null, actual, configDescriptor.digest());
    }

    /**
     * The image named {@code ref} (a tag, or {@code @N} for the N-th image); without a ref the
     * archive must hold exactly one image. An archive of several is refused listing their names
     * (an untagged one as {@code @N}), as skopeo does, instead of building the first.
     */
    private static Entry choose(Entry[] manifests, String ref, String where) {
        if (manifests.length == 0) {
            throw new KilnException(where + ": manifest.json lists no images");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < manifests.length; i++) {
            Entry m = manifests[i];
            if (m == null) {
                throw new KilnException(where + ": manifest.json: entry " + i + " is null");
            }
            if (m.repoTags().isEmpty()) {
                names.add("@" + i);
            }
            for (String t : m.repoTags()) {
                names.add(t);
                if (ref != null && sameTag(ref, t)) {
                    return m;
                }
            }
        }
        if (ref == null) {
            if (manifests.length == 1) {
                return manifests[0];
            }
            throw new KilnException(where + ": holds several images; name one of " + String.join(", ", names)
                    + " (docker-archive:FILE:REPO:TAG, or :@N for the N-th)");
        }
        if (ref.matches("@\\d{1,9}")) {
            int index = Integer.parseInt(ref.substring(1));
            if (index < manifests.length) {
                return manifests[index];
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
            return new Descriptor(mediaType, digest, size);
        }

        @Override
        public InputStream openRaw(Descriptor d) {
            String name = names.get(d.digest());
            try {
                return name == null ? null : archive.open(name);
            } catch (KilnException e) {
                throw e.within(d.digest());
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
