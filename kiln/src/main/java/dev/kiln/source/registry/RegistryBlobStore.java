package dev.kiln.source.registry;

import dev.kiln.DigestMismatch;
import dev.kiln.KilnException;
import dev.kiln.image.Descriptor;
import dev.kiln.image.Layer;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.SourceEvent;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.oci.BlobStore;
import dev.kiln.source.oci.VerifyingInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * One repository of a registry seen as a {@link BlobStore}: every blob comes out of kiln's
 * verified cache, downloaded first when absent. The oci package's resolver and layers do the
 * parsing, platform choice, decompression and (second) digest check on top of it.
 *
 * <p>{@link #startPrefetch} (on the first layer opened) starts all layer downloads at once (bounded), newest layer first since
 * flattening reads newest first; opening a layer then waits only for that layer's download.
 */
final class RegistryBlobStore implements BlobStore {
    /** Parallel downloads: enough to fill a link, few enough not to be throttled by registries. */
    static final int PARALLEL = 3;

    private final RegistryClient client;
    private final String repository;
    private final BlobCache cache;
    private final Consumer<SourceEvent> events;
    private final Map<String, Future<Path>> downloads = new ConcurrentHashMap<>();
    private ExecutorService pool;
    private List<Layer> layers;

    RegistryBlobStore(RegistryClient client, String repository, BlobCache cache, Consumer<SourceEvent> events) {
        this.client = client;
        this.repository = repository;
        this.cache = cache;
        this.events = events;
    }

    @Override
    public String describe() {
        return client.endpoint() + "/" + repository;
    }

    @Override
    public InputStream openRaw(Descriptor descriptor) throws IOException {
        if (isLayer(descriptor)) {
            startPrefetch();
            Future<Path> pending = downloads.get(descriptor.digest());
            if (pending != null && !pending.isDone() && cache.get(descriptor.digest()).isEmpty()) {
                // Stream the layer as it arrives instead of waiting for its last byte.
                return new GrowingFileInputStream(cache.partialPath(descriptor.digest()), pending,
                        describe() + "@" + descriptor.digest());
            }
        }
        return Files.newInputStream(file(descriptor));
    }

    /**
     * A blob read from the cache is checked like any other; one that fails (torn by a crash
     * after it was cached, or changed on disk) is evicted, so that the next run downloads it
     * again instead of failing the same way until `kiln cache prune`.
     */
    @Override
    public VerifyingInputStream openVerified(Descriptor descriptor) throws IOException {
        VerifyingInputStream in = BlobStore.super.openVerified(descriptor);
        in.onCorrupt(mismatch -> cache.evict(descriptor.digest())
                ? mismatch.withHint("the cached copy was removed, so running the command again downloads it afresh")
                : mismatch);
        return in;
    }

    /** The cached file of a blob, downloading it (or waiting for its prefetch) first. */
    Path file(Descriptor d) throws IOException {
        var hit = cache.get(d.digest());
        if (hit.isPresent()) {
            return hit.get();
        }
        Future<Path> pending = downloads.get(d.digest());
        if (pending != null) {
            return await(d.digest(), pending);
        }
        return fetch(d);
    }

    private Path fetch(Descriptor d) throws IOException {
        var hit = cache.get(d.digest());
        if (hit.isPresent()) {
            if (isLayer(d)) {
                events.accept(new SourceEvent.Cached(d.digest(), d.size()));
            }
            return hit.get();
        }
        String type = d.mediaType();
        // Manifests and indexes live under /manifests/, everything else under /blobs/.
        if (MediaTypes.isIndex(type) || MediaTypes.isManifest(type) || type.isEmpty()) {
            RegistryClient.Manifest m = client.manifest(repository, d.digest());
            if (!m.digest().equals(d.digest())) {
                throw DigestMismatch.hashes(describe() + "@" + d.digest(), d.digest(), "the registry's manifest",
                        m.digest()).withHint("nothing was cached");
            }
            return cache.put(d.digest(), m.bytes());
        }
        return cache.fetch(d.digest(), d.size(),
                new BlobDownload(client, repository, d.digest(), d.size(), isLayer(d) ? events : SourceOptions.NO_EVENTS));
    }

    private static boolean isLayer(Descriptor d) {
        return MediaTypes.isLayer(d.mediaType());
    }

    /**
     * Remembers the image's layers (bottom-first) for download. Downloads start when the first
     * layer is opened, so that `kiln inspect` (manifest and config only) fetches no layer.
     */
    synchronized void prefetchOnFirstUse(List<Layer> layers) {
        this.layers = List.copyOf(layers);
    }

    /** Starts downloading every layer not yet cached, newest first (the order flatten reads). */
    synchronized void startPrefetch() {
        if (layers == null) {
            return;
        }
        List<Layer> topFirst = new ArrayList<>(layers);
        layers = null;
        java.util.Collections.reverse(topFirst);
        for (Layer l : topFirst) {
            Descriptor d = new Descriptor(l.mediaType(), l.digest(), l.size());
            if (cache.get(d.digest()).isPresent()) {
                events.accept(new SourceEvent.Cached(d.digest(), d.size()));
                continue;
            }
            if (pool == null) {
                pool = Executors.newFixedThreadPool(PARALLEL, r -> {
                    Thread t = new Thread(r, "kiln-download");
                    t.setDaemon(true);
                    return t;
                });
            }
            downloads.computeIfAbsent(d.digest(), k -> pool.submit(() -> fetch(d)));
        }
    }

    /** Waits for every prefetch; the first failure (in layer order, top first) is thrown. */
    void awaitAll() throws IOException {
        startPrefetch();
        for (var e : downloads.entrySet()) {
            await(e.getKey(), e.getValue());
        }
    }

    private Path await(String digest, Future<Path> f) throws IOException {
        return await(f, describe() + "@" + digest);
    }

    /** The downloaded file; the download's own failure when it failed, named after {@code what}. */
    static Path await(Future<Path> download, String what) throws IOException {
        try {
            return download.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new KilnException(what + ": download failed", c);
        } catch (CancellationException e) {
            throw new KilnException(what + ": download cancelled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(what + ": interrupted");
        }
    }

    @Override
    public synchronized void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
