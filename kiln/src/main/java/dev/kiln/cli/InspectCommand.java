package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.source.Sources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** Resolves a source like build does and prints what would be built from, without reading layers. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints the resolved manifest digest, platform, layers and image config of SOURCE.",
        footer = {"", "SOURCE takes the same forms as for build."})
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "The image to inspect.")
    String source;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Image image = Sources.open(source, BuildSpec.fetchingOptions(spec))) {
            out.println("source:    " + source);
            out.println("manifest:  " + image.manifestDigest().orElse("-"));
            out.println("platform:  " + image.platform().orElse("-"));
            out.println("config:    " + image.configDigest().orElse("-"));
            List<Layer> layers = image.layers();
            long total = layers.stream().mapToLong(l -> Math.max(l.size(), 0)).sum();
            out.println("layers:    " + layers.size() + " (" + total + " bytes, bottom first)");
            for (Layer l : layers) {
                out.printf("  %s  %s  %s%n", l.digest(), l.mediaType(), l.size() < 0 ? "?" : l.size() + " bytes");
            }
            out.println("image config (kept as /etc/kiln/image.json):");
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsString(image.config()));
        }
        out.flush();
        return 0;
    }
}
