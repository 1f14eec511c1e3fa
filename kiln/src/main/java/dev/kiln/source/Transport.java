package dev.kiln.source;

import dev.kiln.image.Image;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.oci.OciSources;
import dev.kiln.source.registry.Reference;
import dev.kiln.source.registry.RegistrySource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Every kind of source reference Kiln accepts, by prefix: the one table that opening, spec-file
 * path resolution, {@code kiln pull --to} and the help text read. A new source kind is a new
 * row here plus its implementation.
 */
public enum Transport {
    TAR("tar:", "tar:FILE", "a rootfs tar (any compression); tar:- is stdin", true,
            (spec, options) -> TarSource.open(spec), null),
    DIR("dir:", "dir:PATH", "a directory tree (read with GNU tar)", true, (spec, options) -> DirSource.open(spec), null),
    EXT4("ext4:", "ext4:FILE", "an ext2/3/4 filesystem image", true, (spec, options) -> Ext4Source.open(spec), null),
    OCI("oci:", "oci:PATH[:REF]", "an OCI image layout directory", true, OciSources::openLayout,
            new PullTarget("oci:DIR[:TAG]", (ref, options, path, name) ->
                    RegistrySource.pull(ref, options, Path.of(path), name))),
    OCI_ARCHIVE("oci-archive:", "oci-archive:FILE[:REF]", "an OCI image layout in a tar file", true,
            OciSources::openOciArchive, null),
    DOCKER_ARCHIVE("docker-archive:", "docker-archive:FILE[:REPO:TAG]", "what docker save writes", true,
            OciSources::openDockerArchive, null),
    /** No prefix, or docker://: the registry reference is the whole string. Matched last. */
    REGISTRY("", "[docker://]REF", "a registry image: alpine:3.20, host:5000/app", false,
            (spec, options) -> RegistrySource.open(Sources.registryReference(spec), options), null);

    /** Opens what follows the prefix. */
    @FunctionalInterface
    interface Opener {
        Image open(String spec, SourceOptions options) throws IOException;
    }

    /** Saves a registry image into a target of this kind, at {@code path} under {@code name} (null: the tag). */
    @FunctionalInterface
    interface Saver {
        RegistrySource.Pulled save(Reference reference, SourceOptions options, String path, String name)
                throws IOException;
    }

    /** How {@code kiln pull --to} writes into this kind. */
    record PullTarget(String syntax, Saver saver) {
    }

    private final String prefix;
    private final String syntax;
    private final String description;
    private final boolean localPath;
    private final Opener opener;
    private final PullTarget pullTarget;

    Transport(String prefix, String syntax, String description, boolean localPath, Opener opener,
              PullTarget pullTarget) {
        this.prefix = prefix;
        this.syntax = syntax;
        this.description = description;
        this.localPath = localPath;
        this.opener = opener;
        this.pullTarget = pullTarget;
    }

    /** The kind {@code reference} names: the one whose prefix it starts with, else a registry reference. */
    public static Transport of(String reference) {
        for (Transport t : values()) {
            if (t != REGISTRY && reference.startsWith(t.prefix)) {
                return t;
            }
        }
        return REGISTRY;
    }

    /** The prefixes of the local kinds, for messages: "tar:, dir:, ..., or docker-archive:". */
    static String localPrefixes() {
        List<String> local = Arrays.stream(values()).filter(t -> t.localPath).map(t -> t.prefix).toList();
        return String.join(", ", local.subList(0, local.size() - 1)) + " or " + local.get(local.size() - 1);
    }

    /** The kinds that {@code kiln pull --to} writes, as the user spells them ("oci:DIR[:TAG]"). */
    public static String pullTargets() {
        return String.join(" or ", Arrays.stream(values()).filter(t -> t.pullTarget != null)
                .map(t -> t.pullTarget.syntax()).toList());
    }

    public String prefix() {
        return prefix;
    }

    /** How the user writes a reference of this kind ("oci:PATH[:REF]"). */
    public String syntax() {
        return syntax;
    }

    public String description() {
        return description;
    }

    /** Whether what follows the prefix is a path on this machine (a spec file's are relative to its directory). */
    public boolean isLocalPath() {
        return localPath;
    }

    public boolean isPullTarget() {
        return pullTarget != null;
    }

    /** What follows the prefix. */
    String spec(String reference) {
        return reference.substring(prefix.length());
    }

    Image open(String reference, SourceOptions options) throws IOException {
        return opener.open(spec(reference), options);
    }

    PullTarget pullTarget() {
        return pullTarget;
    }
}
