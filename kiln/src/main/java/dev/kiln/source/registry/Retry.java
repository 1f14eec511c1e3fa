package dev.kiln.source.registry;

import java.time.Duration;

/**
 * How often and how patiently transient failures (connection errors, 429, 5xx, a dropped
 * download) are retried: exponential backoff from {@code baseDelay}, capped at {@code maxDelay}.
 */
record Retry(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    static final Retry DEFAULT = new Retry(5, Duration.ofMillis(500), Duration.ofSeconds(8));

    Duration delay(int failedAttempts) {
        long ms = baseDelay.toMillis() << Math.min(failedAttempts - 1, 16);
        return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
    }

    static boolean transientStatus(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }
}
