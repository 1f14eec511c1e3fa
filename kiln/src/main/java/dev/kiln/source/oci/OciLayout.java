package dev.kiln.source.oci;

import dev.kiln.image.Descriptor;

import java.nio.file.Path;

/**
 * The names of an OCI image layout, shared by its reader ({@link LayoutReader}, and the
 * oci-archive: source, a layout inside a tar) and its writer ({@link LayoutWriter}).
 *
 * <pre>
 * DIR/oci-layout             {"imageLayoutVersion":"1.0.0"}: marks DIR as a layout
 * DIR/index.json             an image index; entries named by org.opencontainers.image.ref.name
 * DIR/blobs/ALG/ENCODED      every manifest, config and layer, by digest
 * </pre>
 */
final class OciLayout {
    static final String MARKER = "oci-layout";
    static final String MARKER_CONTENT = "{\"imageLayoutVersion\":\"1.0.0\"}";
    static final String INDEX = "index.json";
    static final String BLOBS = "blobs";

    private OciLayout() {
    }

    /**
     * "blobs/ALG/ENCODED", relative to the layout. Only for a checked descriptor: the digest
     * grammar keeps '/' and ".." out of both names.
     */
    static String blobName(Descriptor d) {
        return BLOBS + "/" + d.algorithm() + "/" + d.encoded();
    }

    static Path blobPath(Path dir, Descriptor d) {
        return dir.resolve(BLOBS).resolve(d.algorithm()).resolve(d.encoded());
    }
}
