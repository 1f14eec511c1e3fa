package dev.kiln.cli;

import dev.kiln.build.Progress;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;
import dev.kiln.source.registry.RegistrySource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Downloads an image from a registry into the blob cache and saves it as an OCI layout.",
        footer = {"", "Example: kiln pull alpine:3.20 --to oci:images/alpine  (then: kiln build oci:images/alpine:3.20 -o a.ext4)"})
public final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "REF", description = "Registry reference (alpine:3.20, docker://host:5000/ns/app@sha256:...).")
    String reference;

    @Option(names = "--to", paramLabel = "oci:DIR[:TAG]", required = true,
            description = "OCI layout to write (created if absent). TAG defaults to the reference's tag.")
    String to;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Sources.PullTarget target = Sources.pullTarget(to);
        SourceOptions options = BuildSpec.fetchingOptions(spec);
        RegistrySource.Pulled p;
        try (Progress progress = Progress.onStderr(System.err, options.quiet())) {
            progress.phase("resolving " + reference);
            p = Sources.pull(reference, target, options.withEvents(progress));
            progress.close();
            progress.summary(progress.downloadSummary());
        }
        if (!options.quiet()) {
            System.err.println(p.reference() + ": saved " + p.manifestDigest()
                    + (p.platform().isEmpty() ? "" : " (" + p.platform() + ")") + ", " + p.layers()
                    + (p.layers() == 1 ? " layer" : " layers") + ", to " + target.describe(p.name()));
        }
        return 0;
    }
}
