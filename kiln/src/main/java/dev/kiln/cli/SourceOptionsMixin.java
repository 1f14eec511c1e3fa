package dev.kiln.cli;

import dev.kiln.source.SourceOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Options that say where the image comes from and how to fetch it. */
public final class SourceOptionsMixin {
    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "Platform to pick from a multi-platform image. Default: linux and this machine's architecture.")
    String platform;

    @Option(names = "--creds", paramLabel = "USER:PASS", description = "Registry credentials (overrides docker/podman config).")
    String creds;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]", description = "Allow plain HTTP to this registry (repeatable).")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--ca-cert", paramLabel = "FILE", description = "Extra CA certificate (PEM) to trust for registries.")
    Path caCert;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Blob cache. Default: $XDG_CACHE_HOME/kiln.")
    Path cacheDir;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    SourceOptions toSourceOptions() {
        return new SourceOptions(platform, creds, insecureRegistries, caCert, cacheDir, quiet);
    }
}
