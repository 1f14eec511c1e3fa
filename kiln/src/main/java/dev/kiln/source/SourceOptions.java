package dev.kiln.source;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a source needs besides the reference itself.
 *
 * @param platform          "os/arch[/variant]" to pick from an index; null means linux and the host's arch
 * @param credentials       "USER:PASS" from --creds, or null
 * @param insecureRegistries hosts (HOST[:PORT]) reachable over plain HTTP
 * @param caCert            extra CA certificate file, or null
 * @param cacheDir          blob cache directory, or null for the default
 * @param quiet             no progress output
 */
public record SourceOptions(String platform, String credentials, List<String> insecureRegistries,
                            Path caCert, Path cacheDir, boolean quiet) {
    public SourceOptions {
        insecureRegistries = insecureRegistries == null ? List.of() : List.copyOf(insecureRegistries);
    }

    public static SourceOptions defaults() {
        return new SourceOptions(null, null, List.of(), null, null, false);
    }

    public Optional<String> platformOption() {
        return Optional.ofNullable(platform);
    }
}
