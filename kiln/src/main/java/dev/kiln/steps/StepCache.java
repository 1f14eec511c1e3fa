package dev.kiln.steps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.io.FileLocks;
import dev.kiln.io.UseTimes;
import dev.kiln.output.AtomicOutput;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The trees after build steps, kept beside the blob cache: {@code ROOT/steps/KEY.ext4} (a
 * compact ext4 image written by Kiln, read back with its ext4 reader) and {@code KEY.json}
 * (what the step was, for {@code kiln cache ls}), KEY being the step's key ({@link StepKeys}).
 *
 * <p>Safe with concurrent kiln processes, as the blob cache is: an entry appears only whole
 * (written as a temporary beside it, synced, then renamed; a run killed meanwhile leaves a
 * temporary that the next run removes, see {@code io.Temporaries}); a reader holds the file
 * open, so a prune or a replacement never pulls a tree from under it; and a process about to
 * run a step holds that key's lock ({@code locks/KEY.lock}, first between its own threads,
 * then as a file lock between processes, polled), so that a second build of the same steps
 * waits for the first and takes its result instead of booting a VM of its own.
 * The .ext4 file's mtime is its last use; {@code kiln cache prune --older-than} relies on it.
 */
public final class StepCache {
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
    private static final Map<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    private final Path dir;

    /** The step cache inside the cache directory {@code cacheRoot} (the blob cache's root). */
    public StepCache(Path cacheRoot) {
        this.dir = cacheRoot.toAbsolutePath().resolve("steps");
    }

    public Path directory() {
        return dir;
    }

    Path tree(String key) {
        return dir.resolve(key + ".ext4");
    }

    private Path meta(String key) {
        return dir.resolve(key + ".json");
    }

    /** What {@code kiln cache ls} shows of an entry. */
    public record Entry(String key, int number, String step, long size, Instant lastUsed) {
    }

    /** The description kept with an entry. */
    record Meta(String key, int number, String step, String base) {
    }

    /** The cached tree of {@code key}, marked used; empty when there is none. */
    Optional<Path> find(String key) {
        return UseTimes.markUsed(tree(key));
    }

    /** Where {@link #commit} expects the tree: the published path of a new entry. */
    Path target(String key) throws IOException {
        Files.createDirectories(dir);
        return tree(key);
    }

    /** Writes the description of an entry whose tree is about to be published at {@link #target}. */
    void describe(Meta meta) throws IOException {
        Files.createDirectories(dir);
        byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(meta);
        try (AtomicOutput out = AtomicOutput.file(meta(meta.key()))) {
            Files.write(out.temporary(), json);
            out.commit();
        }
    }

    /** A held key lock; closing it lets the next process (or thread) in. */
    interface Lock extends Closeable {
    }

    /** Waits until this process may run the step of {@code key}. */
    Lock lock(String key) throws IOException {
        Path lockFile = dir.resolve("locks").resolve(key + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        local.lock();
        try {
            FileLocks.Held held = FileLocks.lockPath(lockFile, "step cache " + key);
            return () -> {
                try {
                    held.close();
                } finally {
                    local.unlock();
                }
            };
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    /** Every entry, most recently used first. */
    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.ext4")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String key = name.substring(0, name.length() - ".ext4".length());
                if (!KEY.matcher(key).matches()) {
                    continue;
                }
                try {
                    Meta m = readMeta(key);
                    out.add(new Entry(key, m == null ? 0 : m.number(), m == null ? "?" : m.step(), Files.size(p),
                            Files.getLastModifiedTime(p).toInstant()));
                } catch (NoSuchFileException e) {
                    // pruned meanwhile
                }
            }
        }
        out.sort(Comparator.comparing(Entry::lastUsed).reversed().thenComparing(Entry::key));
        return out;
    }

    private Meta readMeta(String key) {
        try {
            return new ObjectMapper().readValue(meta(key).toFile(), Meta.class);
        } catch (IOException e) {
            return null;   // missing or unreadable: the tree is still a valid entry
        }
    }

    /**
     * Removes entries last used before {@code cutoff} (all when null), descriptions without a
     * tree, and lock files no process holds. A build reading a removed tree keeps reading it.
     */
    public List<Entry> prune(Instant cutoff) throws IOException {
        List<Entry> removed = new ArrayList<>();
        for (Entry e : list()) {
            if (cutoff != null && !e.lastUsed().isBefore(cutoff)) {
                continue;
            }
            if (Files.deleteIfExists(tree(e.key()))) {
                removed.add(e);
            }
            Files.deleteIfExists(meta(e.key()));
        }
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (!Files.exists(tree(name.substring(0, name.length() - ".json".length())))) {
                        Files.deleteIfExists(p);
                    }
                }
            }
            removeIdleLocks();
        }
        return removed;
    }

    private void removeIdleLocks() throws IOException {
        Path locks = dir.resolve("locks");
        if (!Files.isDirectory(locks)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(locks, "*.lock")) {
            for (Path lockFile : ds) {
                ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
                if (!local.tryLock()) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                     FileLock lock = ch.tryLock()) {
                    if (lock != null) {
                        // Deleted while locked: a process that opened the file before the delete
                        // sees that once it has the lock, and starts over (FileLocks.lockPath).
                        Files.deleteIfExists(lockFile);
                    }
                } catch (NoSuchFileException | OverlappingFileLockException e) {
                    // gone, or held here
                } finally {
                    local.unlock();
                }
            }
        }
    }
}
