package dev.kiln.image;

import dev.kiln.entry.EntryStream;
import dev.kiln.tar.TarReader;

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
     * The uncompressed tar stream (a layer that is not one, see {@link #isTarStream()}, fails). Reading it to the end verifies the blob's digest and size;
     * a mismatch throws an IOException naming the digest. May be called again where the
     * source allows (a registry or a file), so flatten can re-read a layer on a rare slow path.
     */
    InputStream open() throws IOException;

    /**
     * The layer's entries: by default its tar stream ({@link #open()}) read by the tar reader.
     * A layer that is a filesystem rather than a tar (ext4:) yields its entries directly.
     */
    default EntryStream entries() throws IOException {
        return new TarReader(open(), digest());
    }

    /**
     * Whether {@link #entries()} reads {@link #open()} as a tar, so that flatten may decompress
     * the stream ahead on another thread and read it with its own tar reader.
     */
    default boolean isTarStream() {
        return true;
    }

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
