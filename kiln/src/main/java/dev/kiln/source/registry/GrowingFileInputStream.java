package dev.kiln.source.registry;

import dev.kiln.io.Streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.Future;

/**
 * Reads a blob while it is still being downloaded into the cache's partial file, so flattening
 * starts on a layer before its last byte arrives. At the end of the data it waits for more
 * until the download finishes; a failed download fails the read with the download's error.
 *
 * <p>Why reading a file another thread rewrites is safe: the partial file only ever holds a
 * prefix of one content-addressed blob, so the byte at an offset is the same whenever it is
 * there (a restart truncates and rewrites the same bytes). Bytes that were wrong (a corrupt or
 * stale partial) make the download fail its digest check, and the reader with it; the layer's
 * own digest check on the full stream is a second guard. When the download ends, the finished
 * blob may be a different file than the one opened (a stale partial was replaced); reading then
 * continues at the same offset in the finished blob.
 */
final class GrowingFileInputStream extends InputStream {
    private static final long POLL_MILLIS = 5;

    private final Path partial;
    private final Future<Path> download;
    private final String what;
    private FileChannel channel;
    private Object fileKey;
    private long position;
    private boolean complete;

    GrowingFileInputStream(Path partial, Future<Path> download, String what) {
        this.partial = partial;
        this.download = download;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (channel == null && !open()) {
                pause();
                continue;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, len), position);
            if (n > 0) {
                position += n;
                return n;
            }
            if (complete) {
                return -1;
            }
            if (download.isDone()) {
                Path finished = result();
                complete = true;
                if (!finished.equals(partial) && !sameFile(finished)) {
                    channel.close();
                    channel = FileChannel.open(finished, StandardOpenOption.READ);
                }
                continue; // drain what was written before the download finished
            }
            pause();
        }
    }

    /** Opens the partial file (or the finished blob); false when neither exists yet. */
    private boolean open() throws IOException {
        if (download.isDone()) {
            channel = FileChannel.open(result(), StandardOpenOption.READ);
            complete = true;
            return true;
        }
        try {
            channel = FileChannel.open(partial, StandardOpenOption.READ);
            fileKey = Files.readAttributes(partial, BasicFileAttributes.class).fileKey();
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private boolean sameFile(Path finished) throws IOException {
        Object key = Files.readAttributes(finished, BasicFileAttributes.class).fileKey();
        return key != null && key.equals(fileKey);
    }

    private Path result() throws IOException {
        return RegistryBlobStore.await(download, what);
    }

    private void pause() throws IOException {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
