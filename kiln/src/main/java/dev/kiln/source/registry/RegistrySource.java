package dev.kiln.source.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.kiln.DigestMismatch;
import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ForwardingImage;
import dev.kiln.image.Image;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.Json;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.oci.ImageResolver;
import dev.kiln.source.oci.LayoutWriter;
import dev.kiln.source.oci.OciImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Opens registry references ("alpine:3.20", "docker://host:5000/ns/app@sha256:...") as images:
 * resolves the manifest (through the index for --platform), then starts the layer downloads into
 * the blob cache in the background and returns at once.
 */
public final class RegistrySource {
    /** What differs between the CLI and tests: environment and retry pacing. */
    record Settings(Map<String, String> env, Retry retry) {
        static Settings defaults() {
            return new Settings(System.getenv(), Retry.DEFAULT);
        }
    }

    private RegistrySource() {
    }

    public static Image open(Reference reference, SourceOptions options) throws IOException {
        return open(reference, options, Settings.defaults());
    }

    static RegistryImage open(Reference ref, SourceOptions options, Settings settings) throws IOException {
        BlobCache cache = cacheFor(options, settings);
        CredentialStore creds = new CredentialStore(options.credentials(), settings.env());
        Supplier<Optional<Credentials>> lazyCreds = memoize(() -> creds.lookup(ref.registry(), ref.repository()));
        RegistryClient client = new RegistryClient(ref.endpoint(),
                new Connections(options.insecureRegistries(), options.caCert()), lazyCreds, settings.retry());
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
    public static Pulled pull(Reference reference, SourceOptions options, Path dir, String name) throws IOException {
        return pull(reference, options, Settings.defaults(), dir, name);
    }

    static Pulled pull(Reference ref, SourceOptions options, Settings settings, Path dir, String name) throws IOException {
        LayoutWriter.checkTarget(dir); // a wrong target fails before any download
        try (RegistryImage image = open(ref, options, settings)) {
            image.store.awaitAll();
            String tag = name != null ? name : ref.tag();
            String digest = image.saveTo(dir, tag);
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
                return new Descriptor(typeOf(bytes, null), ref.digest(), bytes.length);
            }
        }
        RegistryClient.Manifest m = client.manifest(ref.repository(), ref.manifestReference());
        if (ref.digest() != null && !m.digest().equals(ref.digest())) {
            throw DigestMismatch.hashes(ref.toString(), ref.digest(), "the registry's manifest", m.digest());
        }
        cache.put(m.digest(), m.bytes());
        return new Descriptor(typeOf(m.bytes(), m.mediaType()), m.digest(), m.bytes().length);
    }

    /** Only the media type of a manifest or index, to file it under the right kind before it is read. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    private record MediaTypeOnly(@JsonProperty("mediaType") String mediaType) {
    }

    /**
     * The registry's Content-Type when it is a manifest type, else the document's own mediaType ("" if
     * none, or when the document is no JSON object: the resolver then says what is wrong with it).
     */
    private static String typeOf(byte[] bytes, String contentType) {
        if (contentType != null && (MediaTypes.isIndex(contentType) || MediaTypes.isManifest(contentType))) {
            return contentType;
        }
        try {
            String type = Json.read(bytes, MediaTypeOnly.class, "manifest").mediaType();
            return type == null ? "" : type;
        } catch (KilnException e) {
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
    static final class RegistryImage extends ForwardingImage {
        final Reference reference;
        final OciImage image;
        final RegistryBlobStore store;
        final BlobCache cache;
        /** What the reference resolved to: an index or a manifest. */
        final Descriptor top;

        RegistryImage(Reference reference, OciImage image, RegistryBlobStore store, BlobCache cache, Descriptor top) {
            super(image);
            this.reference = reference;
            this.image = image;
            this.store = store;
            this.cache = cache;
            this.top = top;
        }

        /**
         * Saves the downloaded image as an OCI layout: the resolved (platform) manifest, byte for
         * byte as the registry served it, with its config and layers. Returns the manifest digest.
         */
        String saveTo(Path dir, String name) throws IOException {
            String digest = image.manifestDigest().orElseThrow();
            Path manifestFile = cached(digest);
            ImageManifest manifest = Json.read(Files.readAllBytes(manifestFile), ImageManifest.class, digest);
            String type = manifest.mediaType().isEmpty() ? MediaTypes.OCI_MANIFEST : manifest.mediaType();
            Descriptor entry = new Descriptor(type, digest, Files.size(manifestFile),
                    image.resolvedPlatform().orElse(null), null, null);
            List<Descriptor> blobs = new ArrayList<>();
            blobs.add(entry);
            for (String config : image.configDigest().stream().toList()) {
                blobs.add(new Descriptor(MediaTypes.OCI_CONFIG, config, Files.size(cached(config))));
            }
            for (Layer l : image.layers()) {
                blobs.add(new Descriptor(l.mediaType(), l.digest(), l.size()));
            }
            LayoutWriter.write(dir, name, entry, blobs, blob -> cached(blob.digest()));
            return digest;
        }

        private Path cached(String digest) {
            return cache.get(digest).orElseThrow(() -> new KilnException(digest + ": missing from the cache after download"));
        }
    }
}
