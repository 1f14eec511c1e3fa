package dev.kiln.image;

import dev.kiln.KilnException;
import dev.kiln.UnsupportedInput;

/** The OCI and Docker media types Kiln understands, and what each layer type needs to decode. */
public class MediaTypes {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    /** Stands for a layer whose media type the source does not state (docker-archive). */
    public static final String UNKNOWN_LAYER = "application/x-kiln-layer-detect";

    /** Constants only; protected for the one alias in source.oci (see there). */
    protected MediaTypes() {
    }

    /** How a layer blob is compressed. */
    public enum Compression { NONE, GZIP, ZSTD, DETECT }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
    }

    public static boolean isManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    /** Layer blobs, as opposed to manifests, indexes and configs. */
    public static boolean isLayer(String mediaType) {
        return mediaType != null && (mediaType.contains(".layer.") || mediaType.contains(".rootfs."));
    }

    /** Foreign (Docker) and non-distributable (OCI) layers may legitimately be missing from a layout. */
    public static boolean isNonDistributable(String mediaType) {
        return mediaType != null && (mediaType.contains(".nondistributable.") || mediaType.contains(".foreign."));
    }

    /** The compression of a layer media type; unknown types fail, naming the layer. */
    public static Compression layerCompression(String digest, String mediaType) {
        if (mediaType == null || mediaType.isEmpty()) {
            throw new KilnException(digest + ": layer has no media type");
        }
        return switch (mediaType) {
            case OCI_LAYER_TAR, DOCKER_LAYER_TAR,
                 "application/vnd.oci.image.layer.nondistributable.v1.tar" -> Compression.NONE;
            case OCI_LAYER_GZIP, DOCKER_LAYER_GZIP,
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                 "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" -> Compression.GZIP;
            case OCI_LAYER_ZSTD,
                 "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
                 "application/vnd.docker.image.rootfs.diff.tar.zstd" -> Compression.ZSTD;
            case UNKNOWN_LAYER -> Compression.DETECT;
            default -> throw new UnsupportedInput(digest, "unsupported layer media type " + mediaType);
        };
    }
}
