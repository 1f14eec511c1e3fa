package dev.kiln.source.registry;

import dev.kiln.KilnException;
import dev.kiln.image.SourceEvent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * Downloads one blob into the cache's partial file, resuming with an HTTP Range request after a
 * dropped connection (or from what an earlier, interrupted kiln left behind), retrying with
 * backoff. The digest is computed as bytes arrive; the cache compares it. What happens is
 * reported as {@link SourceEvent}s.
 */
final class BlobDownload implements BlobCache.Downloader {
    private final RegistryClient client;
    private final String repository;
    private final String digest;
    private final long size;
    private final Consumer<SourceEvent> events;

    BlobDownload(RegistryClient client, String repository, String digest, long size, Consumer<SourceEvent> events) {
        this.client = client;
        this.repository = repository;
        this.digest = digest;
        this.size = size;
        this.events = events;
    }

    @Override
    public String download(Path partial) throws IOException {
        String what = client.endpoint() + "/" + repository + "@" + digest;
        long have = Files.exists(partial) ? Files.size(partial) : 0;
        if (size >= 0 && have > size) {
            Files.delete(partial);
            have = 0;
        }
        MessageDigest md = Digests.newSha256();
        Digests.update(md, partial, have);
        events.accept(new SourceEvent.DownloadStarted(digest, size, have));
        int failures = 0;
        IOException last = null;
        try {
            while (true) {
                if (size >= 0 && have == size) {
                    break;
                }
                long before = have;
                try (RegistryClient.Body body = client.blob(repository, digest, have)) {
                    if (have > 0 && body.status() != 206) {
                        // The registry ignored our Range: start over.
                        md.reset();
                        have = 0;
                        events.accept(new SourceEvent.DownloadRetried(digest, 0, 0, "the registry ignored the range"));
                    }
                    try (OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE, have == 0 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND)) {
                        have += copy(body.stream(), out, md, size >= 0 ? size - have : Long.MAX_VALUE, what);
                    }
                    if (size < 0 || have == size) {
                        break;
                    }
                    throw new IOException("connection closed after " + have + " of " + size + " bytes");
                } catch (IOException e) {
                    last = e;
                    // What reached the file (unbuffered writes) is what the digest has seen.
                    have = Files.exists(partial) ? Files.size(partial) : 0;
                    // A failure after progress is a fresh start for the retry budget: a flaky link
                    // that keeps delivering must not exhaust it.
                    failures = have > before ? 1 : failures + 1;
                    if (failures >= client.retry.maxAttempts()) {
                        break;
                    }
                    events.accept(new SourceEvent.DownloadRetried(digest, have, failures + 1, RegistryClient.describe(e)));
                    RegistryClient.sleep(client.retry.delay(failures));
                }
            }
        } catch (KilnException e) {
            events.accept(new SourceEvent.DownloadFailed(digest, e.getMessage()));
            throw e;
        }
        if (size >= 0 && have != size) {
            events.accept(new SourceEvent.DownloadFailed(digest, "incomplete"));
            throw new KilnException(what + ": download failed after " + failures + " attempts, "
                    + have + " of " + size + " bytes received (kept for resuming): "
                    + RegistryClient.describe(last), last);
        }
        events.accept(new SourceEvent.DownloadDone(digest, have));
        return Digests.format(md.digest());
    }

    private long copy(InputStream in, OutputStream out, MessageDigest md, long limit, String what)
            throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            if (total + n > limit) {
                throw new KilnException(what + ": registry sent more bytes than the descriptor's size");
            }
            out.write(buf, 0, n);
            md.update(buf, 0, n);
            total += n;
            events.accept(new SourceEvent.Downloaded(digest, n));
        }
        return total;
    }
}
