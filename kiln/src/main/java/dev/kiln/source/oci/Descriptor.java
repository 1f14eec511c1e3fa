package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An OCI content descriptor: what a blob is, where it is and how big it is. */
public record Descriptor(String mediaType, String digest, long size, Platform platform,
                         Map<String, String> annotations, List<String> urls) {

    public static final String REF_NAME = "org.opencontainers.image.ref.name";

    public Descriptor {
        mediaType = mediaType == null ? "" : mediaType;
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /** Parses one descriptor; {@code where} names the document for error messages. */
    public static Descriptor parse(JsonNode node, String where) {
        String digest = node.path("digest").asText("");
        if (!digest.matches("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")) {
            throw new KilnException(where + ": descriptor has an invalid digest \"" + digest + "\"");
        }
        if (!node.path("size").canConvertToLong()) {
            throw new KilnException(where + ": descriptor " + digest + " has no size");
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        node.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        List<String> urls = new ArrayList<>();
        node.path("urls").forEach(u -> urls.add(u.asText()));
        return new Descriptor(node.path("mediaType").asText(""), digest, node.path("size").asLong(),
                Platform.of(node.path("platform")), annotations, urls);
    }

    public String refName() {
        return annotations.get(REF_NAME);
    }

    /** The hex part of the digest, used as a file name in blobs/ALG/. */
    public String encoded() {
        return digest.substring(digest.indexOf(':') + 1);
    }

    public String algorithm() {
        return digest.substring(0, digest.indexOf(':'));
    }
}
