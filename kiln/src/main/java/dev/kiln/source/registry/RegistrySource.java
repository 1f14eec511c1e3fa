package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.source.oci.Descriptor;
import dev.kiln.source.oci.ImageResolver;
import dev.kiln.source.oci.MediaTypes;
import dev.kiln.source.oci.OciImage;
import dev.kiln.source.Image;
import dev.kiln.source.SourceOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Opens registry references ("alpine:3.20", "docker://host:5000/ns/app@sha256:...") as images:
 * resolves the manifest (through the index for --platform), then starts the layer downloads into
 * the blob cache in the background and returns at once.
 */
public final class RegistrySource {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What differs between the CLI and tests: environment and retry pacing. */
    record Settings(Map<String, String> env, Retry retry) {
        static Settings defaults() {
            return new Settings(System.getenv(), Retry.DEFAULT);
        }
    }

    private RegistrySource() {
    }

    /** Whether {@code reference} names a registry image rather than a local source. */
    public static boolean isRegistryReference(String reference) {
        for (String scheme : new String[] {"tar:", "dir:", "oci:", "oci-archive:", "docker-archive:"}) {
            if (reference.startsWith(scheme)) {
                return false;
            }
        }
        return true;
    }

    public static Image open(String reference, SourceOptions options) throws IOException {
        return open(parseForUser(reference), options, Settings.defaults());
    }

    /** Parses a reference; a local path given without a prefix gets a hint instead of a syntax error. */
    static Reference parseForUser(String reference) {
        try {
            return Reference.parse(reference);
        } catch (KilnException e) {
            if (reference.startsWith("/") || reference.startsWith(".") || Files.exists(Path.of(reference))) {
                throw new KilnException(reference + ": not a registry reference; name local sources with a prefix:"
                        + " tar:, dir:, oci:, oci-archive: or docker-archive:");
            }
            throw e;
        }
    }

    static RegistryImage open(Reference ref, SourceOptions options, Settings settings) throws IOException {
        BlobCache cache = cacheFor(options, settings);
        CredentialStore creds = new CredentialStore(options.credentials(), settings.env());
        Supplier<Optional<Credentials>> lazyCreds = memoize(() -> creds.lookup(ref.registry(), ref.repository()));
        RegistryClient client = new RegistryClient(ref.endpoint(),
                new Transport(options.insecureRegistries(), options.caCert()), lazyCreds, settings.retry());
        RegistryBlobStore store = new RegistryBlobStore(client, ref.repository(), cache, options.events());
        try {
            Descriptor top = topDescriptor(ref, client, cache);
            OciImage image = new ImageResolver(store, options.platform()).resolve(top);
            store.prefetchOnFirstUse(image.layers());
            return new RegistryImage(ref, image, store, cache, top);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** What `kiln pull` saved. */
    public record Pulled(String reference, String manifestDigest, String platform, int layers, String name) {
    }

    /**
     * Downloads {@code reference} completely and saves it as an OCI layout in {@code dir}, under
     * {@code name} (default: the reference's tag; none for a digest-only reference).
     */
    public static Pulled pull(String reference, SourceOptions options, Path dir, String name) throws IOException {
        return pull(parseForUser(reference), options, Settings.defaults(), dir, name);
    }

    static Pulled pull(Reference ref, SourceOptions options, Settings settings, Path dir, String name) throws IOException {
        LayoutWriter.existingIndex(dir); // a wrong target fails before any download
        try (RegistryImage image = open(ref, options, settings)) {
            image.store.awaitAll();
            String tag = name != null ? name : ref.tag();
            String digest = LayoutWriter.write(dir, tag, image);
            return new Pulled(ref.toString(), digest, image.platform().orElse(""), image.layers().size(), tag);
        }
    }

    static BlobCache cacheFor(SourceOptions options, Settings settings) {
        return BlobCache.at(options.cacheDir(), settings.env());
    }

    /**
     * The manifest or index the reference names. A digest reference already in the cache needs
     * no request at all; a tag is always asked for, since tags move.
     */
    private static Descriptor topDescriptor(Reference ref, RegistryClient client, BlobCache cache) throws IOException {
        if (ref.digest() != null) {
            Optional<Path> cached = cache.get(ref.digest());
            if (cached.isPresent()) {
                byte[] bytes = Files.readAllBytes(cached.get());
                return new Descriptor(typeOf(bytes, null), ref.digest(), bytes.length, null, null, null);
            }
        }
        RegistryClient.Manifest m = client.manifest(ref.repository(), ref.manifestReference());
        if (ref.digest() != null && !m.digest().equals(ref.digest())) {
            throw new KilnException(ref + ": digest mismatch: the registry's manifest hashes to " + m.digest());
        }
        cache.put(m.digest(), m.bytes());
        return new Descriptor(typeOf(m.bytes(), m.mediaType()), m.digest(), m.bytes().length, null, null, null);
    }

    /** The registry's Content-Type when it is a manifest type, else the document's own mediaType ("" if none). */
    private static String typeOf(byte[] bytes, String contentType) {
        if (contentType != null && (MediaTypes.isIndex(contentType) || MediaTypes.isManifest(contentType))) {
            return contentType;
        }
        try {
            return JSON.readTree(bytes).path("mediaType").asText("");
        } catch (IOException e) {
            return "";
        }
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private T value;
            private boolean done;

            @Override
            public synchronized T get() {
                if (!done) {
                    value = s.get();
                    done = true;
                }
                return value;
            }
        };
    }

    /** An image from a registry: the oci package's image plus what `kiln pull` needs to save it. */
    static final class RegistryImage implements Image {
        final Reference reference;
        final OciImage image;
        final RegistryBlobStore store;
        final BlobCache cache;
        /** What the reference resolved to: an index or a manifest. */
        final Descriptor top;

        RegistryImage(Reference reference, OciImage image, RegistryBlobStore store, BlobCache cache, Descriptor top) {
            this.reference = reference;
            this.image = image;
            this.store = store;
            this.cache = cache;
            this.top = top;
        }

        @Override
        public java.util.List<dev.kiln.source.Layer> layers() {
            return image.layers();
        }

        @Override
        public dev.kiln.source.ImageConfig config() {
            return image.config();
        }

        @Override
        public Optional<String> manifestDigest() {
            return image.manifestDigest();
        }

        @Override
        public Optional<String> platform() {
            return image.platform();
        }

        @Override
        public Optional<String> configDigest() {
            return image.configDigest();
        }

        @Override
        public void close() throws IOException {
            image.close();
        }

        /** The resolved (platform) manifest as cached, and its media type. */
        JsonNode manifest() throws IOException {
            return JSON.readTree(cache.get(image.manifestDigest().orElseThrow()).orElseThrow().toFile());
        }
    }
}
