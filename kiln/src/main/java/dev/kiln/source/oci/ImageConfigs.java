package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.source.ImageConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the runtime part of an OCI/Docker image config document into {@link ImageConfig}. */
public final class ImageConfigs {
    private ImageConfigs() {
    }

    public static ImageConfig parse(JsonNode document) {
        JsonNode c = document.path("config");
        List<String> ports = new ArrayList<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return new ImageConfig(strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
                c.path("WorkingDir").asText(""), c.path("User").asText(""), ports, labels);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
