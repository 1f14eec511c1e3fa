package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.Image;
import dev.kiln.image.ImageIndex;
import dev.kiln.image.Json;
import dev.kiln.image.SourceOptions;
import dev.kiln.io.FileKinds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The on-disk image sources: {@code oci:}, {@code oci-archive:} and {@code docker-archive:}. Each
 * takes what follows its prefix ({@code PATH[:REF]}); the dispatcher (dev.kiln.source.Sources)
 * chose it by that prefix.
 */
public final class OciSources {
    private OciSources() {
    }

    /** {@code oci:DIR[:REF]}: an OCI image layout directory. */
    public static Image openLayout(String spec, SourceOptions options) throws IOException {
        String[] pr = split("oci:", spec, Files::isDirectory);
        return LayoutReader.open(Path.of(pr[0]), pr[1], options.platform());
    }

    /** {@code oci-archive:FILE[:REF]}: an OCI image layout in a tar file. */
    public static Image openOciArchive(String spec, SourceOptions options) throws IOException {
        String[] pr = split("oci-archive:", spec, Files::isRegularFile);
        Path file = Path.of(pr[0]);
        ArchiveFile archive = new ArchiveFile(file);
        try {
            ArchiveStore store = new ArchiveStore(archive, "oci-archive:" + file);
            InputStream indexStream = archive.open(OciLayout.INDEX);
            if (indexStream == null) {
                throw new KilnException(file + ": not an OCI archive (no index.json)");
            }
            String where = store.describe() + " " + OciLayout.INDEX;
            ImageIndex index = Json.read(BlobStore.readSmall(indexStream, where), ImageIndex.class, where);
            return new ImageResolver(store, options.platform()).resolveTop(index, pr[1]);
        } catch (RuntimeException | IOException e) {
            archive.close();
            throw e;
        }
    }

    /** {@code docker-archive:FILE[:REPO:TAG]}: what {@code docker save} writes. */
    public static Image openDockerArchive(String spec, SourceOptions options) throws IOException {
        String[] pr = split("docker-archive:", spec, Files::isRegularFile);
        return DockerArchive.open(new ArchiveFile(Path.of(pr[0])), pr[1], options.platform());
    }

    /**
     * Splits "PATH[:REF]" (what follows {@code prefix}). A path may itself hold ':' and a ref may
     * too (sha256:..., a registry port), so the longest prefix that exists on disk is the path.
     */
    static String[] split(String prefix, String rest, Predicate<Path> exists) {
        String reference = prefix + rest;
        if (rest.isEmpty()) {
            throw new KilnException(reference + ": missing path");
        }
        int i = rest.length();
        while (i > 0) {
            String path = rest.substring(0, i);
            if (exists.test(Path.of(path))) {
                return new String[] {path, i == rest.length() ? null : rest.substring(i + 1)};
            }
            i = rest.lastIndexOf(':', i - 1);
        }
        String kind;
        try {
            kind = FileKinds.kind(Path.of(rest));
        } catch (IOException | RuntimeException e) {
            kind = null;
        }
        if (kind != null) {
            throw new KilnException(reference + ": " + rest + " is " + kind + ", not "
                    + (prefix.equals("oci:") ? "a layout directory" : "an archive file"));
        }
        throw new KilnException(reference + ": " + rest + " does not exist");
    }

    /** The blobs/ of an OCI layout inside a tar file. */
    static final class ArchiveStore implements BlobStore {
        private final ArchiveFile archive;
        private final String description;

        ArchiveStore(ArchiveFile archive, String description) {
            this.archive = archive;
            this.description = description;
        }

        @Override
        public InputStream openRaw(Descriptor d) {
            try {
                return archive.open(OciLayout.blobName(d));
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
