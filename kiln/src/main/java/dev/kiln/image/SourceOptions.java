package dev.kiln.image;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a source needs besides the reference itself.
 *
 * @param platform          "os/arch[/variant]" to pick from an index; null means linux and the host's arch
 * @param credentials       "USER:PASS" from --creds, or null
 * @param insecureRegistries hosts (HOST[:PORT]) reachable over plain HTTP
 * @param caCert            extra CA certificate file, or null
 * @param cacheDir          blob cache directory, or null for the default
 * @param quiet             the user asked for no progress output (for the caller's display: sources
 *                          print nothing, they report {@code events})
 * @param events            receives what the source does (downloads); called from its threads
 */
public record SourceOptions(String platform, String credentials, List<String> insecureRegistries,
                            Path caCert, Path cacheDir, boolean quiet, Consumer<SourceEvent> events) {
    /** Drops every event. */
    public static final Consumer<SourceEvent> NO_EVENTS = event -> { };

    public SourceOptions {
        insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
        events = events == null ? NO_EVENTS : events;
    }

    /** Options whose events nobody listens to. */
    public SourceOptions(String platform, String credentials, List<String> insecureRegistries,
                         Path caCert, Path cacheDir, boolean quiet) {
        this(platform, credentials, insecureRegistries, caCert, cacheDir, quiet, NO_EVENTS);
    }

    public static SourceOptions defaults() {
        return new SourceOptions(null, null, List.of(), null, null, false);
    }

    /** The same options, with events going to {@code listener}. */
    public SourceOptions withEvents(Consumer<SourceEvent> listener) {
        return new SourceOptions(platform, credentials, insecureRegistries, caCert, cacheDir, quiet, listener);
    }

    public Optional<String> platformOption() {
        return Optional.ofNullable(platform);
    }
}
