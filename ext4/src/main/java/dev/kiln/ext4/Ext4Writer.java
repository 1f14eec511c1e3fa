package dev.kiln.ext4;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;

/**
 * Writes an ext4 filesystem image from a stream of entries, shaped like a tar writer.
 *
 * <p>Paths are byte strings relative to the root, '/'-separated, with no empty, "." or ".."
 * components; the empty path is the root directory. Parents that were never given are
 * created (0755, 0:0). A later entry for a path replaces the earlier one (as tar extraction
 * does); replacing a directory by a non-directory drops its subtree. File data is written to
 * the channel as it arrives; all metadata is laid out and written by {@link #finish()}.
 *
 * <p>The first failure is remembered and rethrown by every later call.
 */
public final class Ext4Writer implements Closeable {

    public Ext4Writer(FileChannel output, Ext4Options options) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void directory(byte[] path, Attributes attributes) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Streams exactly {@code size} bytes from {@code data}; all-zero blocks become holes. */
    public void file(byte[] path, Attributes attributes, long size, InputStream data) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void symlink(byte[] path, Attributes attributes, byte[] target) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Adds another name for the inode already at {@code existingPath}. */
    public void hardLink(byte[] path, byte[] existingPath) throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public void special(byte[] path, Attributes attributes, SpecialType type, int major, int minor)
            throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Lays out and writes all metadata; sizes the image; the channel then holds the whole filesystem. */
    public Ext4Summary finish() throws IOException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() throws IOException {
    }
}
