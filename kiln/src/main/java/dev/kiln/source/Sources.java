package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.image.Image;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.registry.Reference;
import dev.kiln.source.registry.RegistrySource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Parses a user's reference and opens the matching source, by the {@link Transport} table. */
public final class Sources {
    private Sources() {
    }

    /**
     * Opens {@code reference}: "tar:FILE", "tar:-", "dir:PATH", "ext4:FILE", "oci:PATH[:REF]",
     * "oci-archive:FILE[:REF]", "docker-archive:FILE[:REPO:TAG]", "docker://REF" or a bare
     * registry reference (see {@link Transport}).
     */
    public static Image open(String reference, SourceOptions options) throws IOException {
        return Transport.of(reference).open(reference, options);
    }

    /**
     * A reference as written in a spec file in {@code base}: a relative local path is made
     * relative to {@code base}; registry references, standard input ("tar:-") and absolute paths
     * stay as they are.
     */
    public static String resolveAgainst(String reference, Path base) {
        if (reference == null) {
            return null;
        }
        Transport t = Transport.of(reference);
        String rest = t.spec(reference);
        if (!t.isLocalPath() || rest.isEmpty() || rest.equals("-") || rest.startsWith("/")) {
            return reference;
        }
        return t.prefix() + base.resolve(rest).normalize();
    }

    /** Parses a registry reference; a local path given without a prefix gets a hint instead of a syntax error. */
    static Reference registryReference(String reference) {
        try {
            return Reference.parse(reference);
        } catch (KilnException e) {
            if (reference.startsWith("/") || reference.startsWith(".") || Files.exists(Path.of(reference))) {
                throw new KilnException(reference + ": not a registry reference; name local sources with a prefix: "
                        + Transport.localPrefixes());
            }
            throw e;
        }
    }

    /**
     * Where {@code kiln pull --to} writes: "oci:DIR[:TAG]" (TAG: the name in the layout's index).
     *
     * @param path  what follows the prefix, without the name
     * @param name  the name given, or null for the reference's tag
     */
    public record PullTarget(Transport transport, String path, String name) {
        /** The target as saved: with the name the image got ({@code saved}), if any. */
        public String describe(String saved) {
            return transport.prefix() + path + (saved != null ? ":" + saved : "");
        }
    }

    /** Parses {@code --to}; only kinds marked as pull targets in the table qualify. */
    public static PullTarget pullTarget(String to) {
        Transport t = Transport.of(to);
        String rest = t.spec(to);
        if (!t.isPullTarget() || rest.isEmpty()) {
            throw new KilnException("--to " + to + ": expected " + Transport.pullTargets());
        }
        String name = null;
        int colon = rest.lastIndexOf(':');
        if (colon > 0 && rest.indexOf('/', colon) < 0) {
            name = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        return new PullTarget(t, rest, name);
    }

    /** Downloads the registry image {@code reference} completely and saves it to {@code target}. */
    public static RegistrySource.Pulled pull(String reference, PullTarget target, SourceOptions options)
            throws IOException {
        Transport from = Transport.of(reference);
        if (from != Transport.REGISTRY) {
            throw new KilnException(reference + ": kiln pull copies from a registry; " + from.prefix()
                    + " names a local source, which build and inspect read directly");
        }
        return target.transport().pullTarget().saver()
                .save(registryReference(reference), options, target.path(), target.name());
    }
}
