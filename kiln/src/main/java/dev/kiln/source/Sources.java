package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.source.oci.OciSources;
import dev.kiln.source.registry.RegistrySource;

import java.io.IOException;

/** Parses a user's reference and opens the matching source. */
public final class Sources {
    private Sources() {
    }

    /**
     * Opens {@code reference}: "tar:FILE", "tar:-", "dir:PATH", "ext4:FILE", "oci:PATH[:REF]",
     * "oci-archive:FILE[:REF]", "docker-archive:FILE[:REPO:TAG]", "docker://REF" or a bare
     * registry reference.
     */
    public static Image open(String reference, SourceOptions options) throws IOException {
        if (reference.startsWith("tar:")) {
            return TarSource.open(reference.substring("tar:".length()));
        }
        if (reference.startsWith("dir:")) {
            return DirSource.open(reference.substring("dir:".length()));
        }
        if (reference.startsWith("ext4:")) {
            return Ext4Source.open(reference.substring("ext4:".length()));
        }
        Image image = OciSources.open(reference, options);
        if (image != null) {
            return image;
        }
        if (RegistrySource.isRegistryReference(reference)) {
            return RegistrySource.open(reference, options);
        }
        throw new KilnException(reference + ": unsupported source reference");
    }
}
