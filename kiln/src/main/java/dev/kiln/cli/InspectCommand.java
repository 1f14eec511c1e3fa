package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
import dev.kiln.source.Sources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
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

    @Option(names = "--json", description = "Print one JSON object (source, manifestDigest, platform, "
            + "configDigest, layers with digest, mediaType and size, config) instead of the text.")
    boolean json;

    @Spec
    CommandSpec spec;

    /**
     * What {@code --json} prints.
     *
     * @param manifestDigest null for sources without a manifest (tar:, dir:), as platform and configDigest
     */
    record Inspection(String source, String manifestDigest, String platform, String configDigest,
                      List<LayerInfo> layers, ImageConfig config) {
        static Inspection of(String source, Image image) throws IOException {
            return new Inspection(source, image.manifestDigest().orElse(null), image.platform().orElse(null),
                    image.configDigest().orElse(null), image.layers().stream()
                    .map(l -> new LayerInfo(l.digest(), l.mediaType(), l.size() < 0 ? null : l.size())).toList(),
                    image.config());
        }
    }

    /** @param size the compressed size in bytes, null when the source does not say (a dir:) */
    record LayerInfo(String digest, String mediaType, Long size) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Image image = Sources.open(source, BuildSpec.fetchingOptions(spec))) {
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                        .writeValueAsString(Inspection.of(source, image)));
                out.flush();
                return 0;
            }
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
