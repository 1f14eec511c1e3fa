package dev.kiln.image;

/**
 * What a source reports while it works, for a display to draw (sources print nothing). Events
 * come from the threads that do the work: a listener must be thread-safe and quick.
 */
public sealed interface SourceEvent {
    /** The blob the event is about ("sha256:..."). */
    String digest();

    /**
     * A layer download begins.
     *
     * @param size   the blob's size, or -1 when unknown
     * @param offset where it resumes (what an earlier, interrupted download left), 0 when fresh
     */
    record DownloadStarted(String digest, long size, long offset) implements SourceEvent {
    }

    /** {@code bytes} more of the blob arrived. */
    record Downloaded(String digest, long bytes) implements SourceEvent {
    }

    /**
     * The download goes on from {@code offset} after a failure (a dropped connection) or because
     * the registry ignored a range request (then {@code offset} is 0 and {@code attempt} too).
     */
    record DownloadRetried(String digest, long offset, int attempt, String why) implements SourceEvent {
    }

    /** The whole blob arrived ({@code bytes} in total) and its digest matched. */
    record DownloadDone(String digest, long bytes) implements SourceEvent {
    }

    /** The download gave up; the source's exception says why to the user. */
    record DownloadFailed(String digest, String why) implements SourceEvent {
    }

    /** A layer blob came from the cache: no download. {@code size} is -1 when unknown. */
    record Cached(String digest, long size) implements SourceEvent {
    }
}
