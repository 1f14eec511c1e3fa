package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.io.FileKinds;
import dev.kiln.source.Image;
import dev.kiln.source.SourceOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** The on-disk image sources: {@code oci:}, {@code oci-archive:} and {@code docker-archive:}. */
public final class OciSources {
    private OciSources() {
    }

    /** Opens the reference if it has one of these prefixes, else returns null. */
    public static Image open(String reference, SourceOptions options) throws IOException {
        if (reference.startsWith("oci:")) {
            String[] pr = split(reference, "oci:", Files::isDirectory);
            return openLayout(Path.of(pr[0]), pr[1], options);
        }
        if (reference.startsWith("oci-archive:")) {
            String[] pr = split(reference, "oci-archive:", Files::isRegularFile);
            return openOciArchive(Path.of(pr[0]), pr[1], options);
        }
        if (reference.startsWith("docker-archive:")) {
            String[] pr = split(reference, "docker-archive:", Files::isRegularFile);
            return DockerArchive.open(new ArchiveFile(Path.of(pr[0])), pr[1], options);
        }
        return null;
    }

    /**
     * Splits "PREFIXPATH[:REF]". A path may itself hold ':' and a ref may too (sha256:..., a
     * registry port), so the longest prefix that exists on disk is the path.
     */
    static String[] split(String reference, String prefix, Predicate<Path> exists) {
        String rest = reference.substring(prefix.length());
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

    static Image openLayout(Path dir, String ref, SourceOptions options) throws IOException {
        BlobStore store = new LayoutStore(dir);
        Path indexFile = dir.resolve("index.json");
        JsonNode index;
        InputStream in;
        try {
            in = FileKinds.openRegular(indexFile);
        } catch (FileKinds.NotRegular e) {
            throw new KilnException(indexFile + ": is " + e.kind() + ", not a file; a layout's index.json must be a "
                    + "regular file inside it");
        }
        if (in == null) {
            throw new KilnException(dir + ": not an OCI image layout (no index.json)");
        }
        try (in) {
            if (Files.size(indexFile) > BlobStore.MAX_JSON) {
                throw new KilnException(indexFile + ": larger than " + (BlobStore.MAX_JSON >> 20) + " MiB; not an index");
            }
            index = BlobStore.JSON.readTree(in);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new KilnException(indexFile + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return new ImageResolver(store, options.platform()).resolveTop(index, ref);
    }

    static Image openOciArchive(Path file, String ref, SourceOptions options) throws IOException {
        ArchiveFile archive = new ArchiveFile(file);
        try {
            ArchiveStore store = new ArchiveStore(archive, "oci-archive:" + file);
            InputStream indexStream = archive.open("index.json");
            if (indexStream == null) {
                throw new KilnException(file + ": not an OCI archive (no index.json)");
            }
            JsonNode index;
            try (indexStream) {
                index = BlobStore.JSON.readTree(indexStream);
            }
            return new ImageResolver(store, options.platform()).resolveTop(index, ref);
        } catch (RuntimeException | IOException e) {
            archive.close();
            throw e;
        }
    }

    /** An OCI image layout directory. Blob files are opened by digest, never by a name from content. */
    static final class LayoutStore implements BlobStore {
        private final Path dir;

        LayoutStore(Path dir) {
            this.dir = dir;
        }

        /**
         * Only a regular file at {@code blobs/ALG/HEX}, reached through real directories: a symlink
         * (at any step) would read a file of the host, a FIFO would hang the build, a device
         * would be read as a blob.
         */
        @Override
        public InputStream openRaw(Descriptor d) throws IOException {
            Path blobs = dir.resolve("blobs");
            Path file = blobs.resolve(d.algorithm()).resolve(d.encoded());
            for (Path step : List.of(blobs, file.getParent())) {
                String kind = FileKinds.kind(step);
                if (kind == null) {
                    return null;
                }
                if (!kind.equals(FileKinds.DIRECTORY)) {
                    throw new KilnException(d.digest() + ": " + step + " is " + kind + ", not a directory; a layout's "
                            + "blobs must be regular files inside its blobs/ directory");
                }
            }
            try {
                return FileKinds.openRegular(file);
            } catch (FileKinds.NotRegular e) {
                throw new KilnException(d.digest() + ": blob " + file + " is " + e.kind() + ", not a regular file; "
                        + "a layout's blobs must be regular files inside its blobs/ directory");
            }
        }

        @Override
        public String describe() {
            return "oci:" + dir;
        }
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
                return archive.open("blobs/" + d.algorithm() + "/" + d.encoded());
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
