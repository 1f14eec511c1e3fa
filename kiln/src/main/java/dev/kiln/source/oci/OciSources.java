package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.source.Image;
import dev.kiln.source.SourceOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        throw new KilnException(reference + ": " + rest + " does not exist");
    }

    static Image openLayout(Path dir, String ref, SourceOptions options) throws IOException {
        BlobStore store = new LayoutStore(dir);
        JsonNode index;
        try {
            index = BlobStore.JSON.readTree(Files.readAllBytes(dir.resolve("index.json")));
        } catch (NoSuchFileException e) {
            throw new KilnException(dir + ": not an OCI image layout (no index.json)");
        } catch (IOException e) {
            throw new KilnException(dir + "/index.json: " + e.getMessage(), e);
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

        @Override
        public InputStream openRaw(Descriptor d) throws IOException {
            try {
                return Files.newInputStream(dir.resolve("blobs").resolve(d.algorithm()).resolve(d.encoded()));
            } catch (NoSuchFileException e) {
                return null;
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
            return archive.open("blobs/" + d.algorithm() + "/" + d.encoded());
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
