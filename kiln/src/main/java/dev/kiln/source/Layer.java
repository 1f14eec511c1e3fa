package dev.kiln.source;

import java.io.IOException;
import java.io.InputStream;

/** One filesystem changeset. */
public interface Layer {
    /** "sha256:..." for image layers; for tar: and dir: sources, a description of the input. */
    String digest();

    String mediaType();

    /** Size of the blob as stored (compressed), or -1 when unknown. */
    long size();

    /**
     * The uncompressed tar stream. Reading it to the end verifies the blob's digest and size;
     * a mismatch throws an IOException naming the digest. May be called again where the
     * source allows (a registry or a file), so flatten can re-read a layer on a rare slow path.
     */
    InputStream open() throws IOException;

    /** A root filesystem given as a tar (a file, standard input, a directory being archived). */
    interface RootfsTar extends Layer {
        String MEDIA_TYPE = "application/x-tar";

        @Override
        default String mediaType() {
            return MEDIA_TYPE;
        }

        @Override
        default long size() {
            return -1;
        }
    }
}
