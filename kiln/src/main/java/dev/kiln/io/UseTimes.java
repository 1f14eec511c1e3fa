package dev.kiln.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

/**
 * Caches (blobs, step trees) prune by last use, kept as the entry's mtime: a cache hit marks
 * the entry used before handing it out.
 */
public final class UseTimes {
    private UseTimes() {
    }

    /** The regular file at {@code p}, marked used now; empty when there is none. */
    public static Optional<Path> markUsed(Path p) {
        if (!Files.isRegularFile(p)) {
            return Optional.empty();
        }
        try {
            Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // a read-only cache still serves its entries
        }
        return Optional.of(p);
    }
}
