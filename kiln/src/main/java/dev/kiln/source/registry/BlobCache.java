package dev.kiln.source.registry;

import dev.kiln.DigestMismatch;
import dev.kiln.io.FileLocks;
import dev.kiln.io.UseTimes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A content-addressed blob store shared by every kiln process of a user:
 * {@code ROOT/blobs/sha256/HEX}. A blob appears there only complete and verified (written
 * under {@code ROOT/tmp/}, hashed, then renamed), so readers never lock. Writers of the same
 * blob serialise on {@code ROOT/tmp/HEX.lock}: first on a {@link ReentrantLock} between the
 * threads of one process (the JVM refuses overlapping locks on one file, and a POSIX lock is the
 * whole process's), then on an OS file lock between processes, taken by polling (see
 * {@link FileLocks#lockPolling}).
 * A download interrupted by a crash leaves {@code tmp/HEX.partial}, which the next writer resumes;
 * one left untouched for {@link #STALE_PARTIAL} is removed by the next run that downloads.
 * Blob mtimes are touched on use; {@code kiln cache prune --older-than} relies on that.
 */
public final class BlobCache {
    private static final Map<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    /**
     * A download that no process is running and that nothing touched for this long is not
     * resumed any more: a run killed (SIGKILL) mid-download leaves its partial file for the next
     * run to resume, and the first download of any later run removes it once it is this old.
     */
    static final Duration STALE_PARTIAL = Duration.ofDays(1);

    /** Cache roots this process has swept for stale partial downloads. */
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private final Path root;

    public BlobCache(Path root) {
        this.root = root.toAbsolutePath();
    }

    /** --cache-dir, else $XDG_CACHE_HOME/kiln, else $HOME/.cache/kiln. */
    public static BlobCache at(Path cacheDir, Map<String, String> env) {
        if (cacheDir != null) {
            return new BlobCache(cacheDir);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return new BlobCache(Path.of(xdg, "kiln"));
        }
        return new BlobCache(Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".cache", "kiln"));
    }

    public Path root() {
        return root;
    }

    Path blobPath(String digest) {
        return root.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
    }

    /** Where a download of {@code digest} in progress (or interrupted) keeps its bytes. */
    Path partialPath(String digest) {
        return root.resolve("tmp").resolve(Digests.hex(digest) + ".partial");
    }

    /** The cached blob, if present (and marks it used). */
    Optional<Path> get(String digest) {
        return UseTimes.markUsed(blobPath(digest));
    }

    /** Removes a cached blob found corrupt; true when there was one to remove. */
    boolean evict(String digest) {
        try {
            return Files.deleteIfExists(blobPath(digest));
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes a small blob (manifest, config) after checking its digest. */
    Path put(String digest, byte[] bytes) throws IOException {
        String actual = Digests.sha256(bytes);
        if (!actual.equals(digest)) {
            throw DigestMismatch.hashes(digest, digest, "content", actual);
        }
        return fetch(digest, bytes.length, partial -> {
            Files.write(partial, bytes);
            return actual;
        });
    }

    /** Fills a partial file and returns the digest of its whole content. */
    interface Downloader {
        String download(Path partial) throws IOException;
    }

    /**
     * Returns the cached blob, downloading it first if absent. At most one process or thread
     * downloads a given blob; the others wait and then find it. Nothing is cached unless the
     * content matches {@code digest} (and {@code size}, when known).
     */
    Path fetch(String digest, long size, Downloader downloader) throws IOException {
        Optional<Path> hit = get(digest);
        if (hit.isPresent()) {
            return hit.get();
        }
        String hex = Digests.hex(digest);
        Path tmp = root.resolve("tmp");
        Files.createDirectories(tmp);
        if (SWEPT.add(root)) {
            removeStalePartials(Instant.now().minus(STALE_PARTIAL));
        }
        Files.createDirectories(blobPath(digest).getParent());
        Path lockFile = tmp.resolve(hex + ".lock");
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        local.lock();
        try (FileLocks.Held ignored = FileLocks.lockPath(lockFile, digest)) {
            hit = get(digest);
            if (hit.isPresent()) {
                return hit.get();
            }
            Path partial = partialPath(digest);
            String actual = downloader.download(partial);
            long got = Files.size(partial);
            if (!actual.equals(digest) || (size >= 0 && got != size)) {
                Files.deleteIfExists(partial);
                throw DigestMismatch.hashes(digest, digest, "the download", actual).withSizes(got, size)
                        .withHint("nothing was cached");
            }
            // Data on disk before the name: a crash must not leave a torn blob under its digest.
            try (FileChannel data = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                data.force(true);
            }
            Path dest = blobPath(digest);
            try {
                Files.move(partial, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, dest, StandardCopyOption.REPLACE_EXISTING);
            }
            return dest;
        } finally {
            local.unlock();
        }
    }

    /**
     * Removes partial downloads older than {@code cutoff} whose download no thread of this process
     * and no other process holds (their lock files stay: deleting a lock file that another process
     * may have open would let two processes lock two different files of one name).
     */
    void removeStalePartials(Instant cutoff) {
        Path tmp = root.resolve("tmp");
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(tmp, "*.partial")) {
            for (Path partial : partials) {
                String name = partial.getFileName().toString();
                Path lockFile = tmp.resolve(name.substring(0, name.length() - ".partial".length()) + ".lock");
                ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
                if (!isOlder(partial, cutoff) || !local.tryLock()) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock lock = ch.tryLock()) {
                    if (lock != null && isOlder(partial, cutoff)) {
                        Files.deleteIfExists(partial);
                    }
                } catch (IOException | RuntimeException e) {
                    // in use or not ours: left for a later run or `kiln cache prune`
                } finally {
                    local.unlock();
                }
            }
        } catch (IOException | RuntimeException e) {
            // no tmp/ yet, or unreadable: nothing to sweep
        }
    }

    private static boolean isOlder(Path file, Instant cutoff) {
        try {
            return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
        } catch (IOException e) {
            return false;
        }
    }

    /** One cached blob, for {@code kiln cache ls}. */
    public record Blob(String digest, long size, Instant lastUsed) {
    }

    public List<Blob> list() throws IOException {
        Path dir = root.resolve("blobs").resolve("sha256");
        List<Blob> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    out.add(new Blob("sha256:" + p.getFileName(), Files.size(p), Files.getLastModifiedTime(p).toInstant()));
                } catch (NoSuchFileException e) {
                    // pruned meanwhile
                }
            }
        }
        out.sort(Comparator.comparing(Blob::lastUsed).reversed().thenComparing(Blob::digest));
        return out;
    }

    /**
     * Removes blobs last used before {@code cutoff} (all of them when null) and leftovers in
     * tmp/ whose download is not in progress. Returns what was removed.
     */
    public List<Blob> prune(Instant cutoff) throws IOException {
        List<Blob> removed = new ArrayList<>();
        for (Blob b : list()) {
            if (cutoff != null && !b.lastUsed().isBefore(cutoff)) {
                continue;
            }
            if (Files.deleteIfExists(blobPath(b.digest()))) {
                removed.add(b);
            }
        }
        Path tmp = root.resolve("tmp");
        if (Files.isDirectory(tmp)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "*.lock")) {
                for (Path lockFile : ds) {
                    removeIfIdle(lockFile);
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        return removed;
    }

    /**
     * Deletes a lock file and its partial download unless a download holds it. A fetcher that
     * opened the file before the delete notices when it gets the lock ({@link FileLocks#lockPath}).
     */
    private static void removeIfIdle(Path lockFile) throws IOException {
        // opening and closing a file here would drop the lock a thread of this process holds on it
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        if (!local.tryLock()) {
            return;
        }
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) {
                return; // another process is downloading this blob
            }
            String name = lockFile.getFileName().toString();
            Files.deleteIfExists(lockFile.resolveSibling(name.substring(0, name.length() - ".lock".length()) + ".partial"));
            Files.deleteIfExists(lockFile);
        } catch (NoSuchFileException | java.nio.channels.OverlappingFileLockException e) {
            // gone already, or this process is downloading it
        } finally {
            local.unlock();
        }
    }
}
