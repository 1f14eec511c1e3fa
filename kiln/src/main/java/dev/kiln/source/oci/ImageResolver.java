package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.image.ConfigBlob;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageDocument;
import dev.kiln.image.ImageIndex;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.Platform;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * From an index or a manifest to an {@link OciImage}: picks the platform from indexes, verifies
 * every document it reads, parses the config. Shared by every source that has blobs.
 */
public final class ImageResolver {
    /** Nested indexes deeper than this are a loop or an attack. */
    private static final int MAX_DEPTH = 8;

    private final BlobStore store;
    private final Platform wanted;
    private final boolean platformExplicit;

    /** @param platformOption --platform as given, or null for linux/host-arch */
    public ImageResolver(BlobStore store, String platformOption) {
        this.store = store;
        this.wanted = Platform.parse(platformOption);
        this.platformExplicit = platformOption != null && !platformOption.isBlank();
    }

    /** Resolves one of the top-level descriptors of index.json, chosen by {@code ref} (tag or digest). */
    public OciImage resolveTop(ImageIndex index, String ref) throws IOException {
        List<Descriptor> all = index.check(store.describe() + " index.json").manifests();
        if (all.isEmpty()) {
            throw new KilnException(store.describe() + ": index.json lists no images");
        }
        List<Descriptor> chosen;
        if (ref == null || ref.isEmpty()) {
            chosen = all;
        } else {
            chosen = all.stream().filter(d -> ref.equals(d.refName()) || ref.equals(d.digest())).toList();
            if (chosen.isEmpty()) {
                throw new KilnException(store.describe() + ": no image named \"" + ref + "\"; present: " + names(all));
            }
        }
        if (chosen.size() == 1) {
            return resolve(chosen.get(0), 0, false);
        }
        if (isPlatformList(chosen)) {
            return resolve(pick(chosen, store.describe() + " index.json"), 0, true);
        }
        // Several images and nothing to choose by: taking the first would build an image the user
        // may not have meant (kiln pull --to adds images to one layout). skopeo refuses too.
        if (ref != null && !ref.isEmpty()) {
            throw new KilnException(store.describe() + ": holds several images named \"" + ref + "\"; name one by "
                    + "its digest: " + chosen.stream().map(Descriptor::digest).collect(Collectors.joining(", ")));
        }
        throw new KilnException(store.describe() + ": holds several images; name one of " + names(chosen)
                + " (SOURCE:REF)");
    }

    /**
     * Whether several top-level entries are one image for several platforms (what some tools
     * write instead of a nested index): manifests, each with its own platform, and at most one
     * name among them. Entries named differently, or two for one platform, are different images.
     */
    private static boolean isPlatformList(List<Descriptor> entries) {
        if (!entries.stream().allMatch(d -> d.platform() != null && MediaTypes.isManifest(d.mediaType()))) {
            return false;
        }
        long platforms = entries.stream().map(d -> d.platform().toString()).distinct().count();
        long names = entries.stream().map(Descriptor::refName).filter(java.util.Objects::nonNull).distinct().count();
        return platforms == entries.size() && names <= 1;
    }

    /** Each entry by its name; one without a name by its digest (and platform). */
    private static String names(List<Descriptor> all) {
        return all.stream().map(d -> d.refName() != null ? d.refName()
                        : d.digest() + (d.platform() == null ? "" : " (" + d.platform() + ")"))
                .collect(Collectors.joining(", "));
    }

    /** Resolves a descriptor of an index or a manifest. */
    public OciImage resolve(Descriptor descriptor) throws IOException {
        return resolve(descriptor, 0, false);
    }

    /** @param picked whether an index already chose this descriptor by its platform */
    private OciImage resolve(Descriptor descriptor, int depth, boolean picked) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new KilnException(descriptor.digest() + ": image indexes nested too deeply");
        }
        ImageDocument doc = ImageDocument.read(store.readDocument(descriptor), descriptor.mediaType(), descriptor.digest());
        if (doc instanceof ImageIndex index) {
            return resolve(pick(index.manifests(), descriptor.digest()), depth + 1, true);
        }
        return fromManifest(descriptor, (ImageManifest) doc, picked);
    }

    private Descriptor pick(List<Descriptor> entries, String where) {
        for (Descriptor d : entries) {
            if (wanted.accepts(d.platform())) {
                return d;
            }
        }
        String present = entries.stream().map(d -> d.platform() == null ? "(no platform)" : d.platform().toString())
                .distinct().collect(Collectors.joining(", "));
        throw new KilnException(where + ": no image for platform " + wanted + "; present: " + present);
    }

    /** @param manifest checked: its config and layer descriptors are well-formed */
    private OciImage fromManifest(Descriptor descriptor, ImageManifest manifest, boolean picked) throws IOException {
        Descriptor configDescriptor = manifest.config();
        ConfigBlob config = ConfigBlob.read(store.readDocument(configDescriptor), configDescriptor.digest());
        Platform actual = config.platform();
        if (picked) {
            actual = descriptor.platform();
        } else {
            checkPlatform(actual, descriptor.digest());
        }
        List<Layer> layers = new ArrayList<>();
        for (Descriptor layer : manifest.layers()) {
            layers.add(new BlobLayer(store, layer));
        }
        return new OciImage(store, layers, config.imageConfig(), descriptor.digest(), actual, configDescriptor.digest());
    }

    /** A single-platform image is taken as is unless --platform explicitly asks for another. */
    void checkPlatform(Platform actual, String where) {
        if (platformExplicit && actual != null && !wanted.accepts(actual)) {
            throw new KilnException(where + ": no image for platform " + wanted + "; present: " + actual);
        }
    }

    Platform wanted() {
        return wanted;
    }
}
