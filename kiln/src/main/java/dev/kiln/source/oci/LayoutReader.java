package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageIndex;
import dev.kiln.image.Json;
import dev.kiln.io.FileKinds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads an OCI image layout directory ({@code oci:DIR[:REF]}). Nothing in it is followed by
 * name from content: index.json and the blobs must be regular files reached through real
 * directories, so a hostile layout can neither read a file of the host nor hang the build.
 */
final class LayoutReader {
    private LayoutReader() {
    }

    static OciImage open(Path dir, String ref, String platform) throws IOException {
        BlobStore store = new LayoutStore(dir);
        return new ImageResolver(store, platform).resolveTop(index(dir), ref);
    }

    /** The layout's index.json. */
    static ImageIndex index(Path dir) throws IOException {
        Path indexFile = dir.resolve(OciLayout.INDEX);
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
            return Json.read(in.readAllBytes(), ImageIndex.class, indexFile.toString());
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
            Path blobs = dir.resolve(OciLayout.BLOBS);
            Path file = OciLayout.blobPath(dir, d);
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
}
