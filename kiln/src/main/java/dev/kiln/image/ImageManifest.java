package dev.kiln.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.kiln.KilnException;

import java.util.List;
import java.util.Map;

/**
 * An OCI image manifest or a Docker v2 schema 2 manifest (the same shape): the config blob and
 * the layers, bottom first. Unknown properties (subject, artifactType, ...) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageManifest(@JsonProperty("schemaVersion") Integer schemaVersion,
                            @JsonProperty("mediaType") String mediaType,
                            @JsonProperty("config") Descriptor config,
                            @JsonProperty("layers") @JsonSetter(contentNulls = Nulls.FAIL) List<Descriptor> layers,
                            @JsonProperty("annotations") @JsonSetter(contentNulls = Nulls.AS_EMPTY)
                            Map<String, String> annotations) implements ImageDocument {

    public ImageManifest {
        mediaType = mediaType == null ? "" : mediaType;
        layers = layers == null ? List.of() : List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /**
     * Checks the schema version, that there is a config descriptor, and every descriptor;
     * {@code where} names the manifest. Returns this manifest.
     */
    public ImageManifest check(String where) {
        ImageDocument.checkSchemaVersion(schemaVersion, where);
        if (config == null) {
            throw new KilnException(where + ": manifest has no config");
        }
        config.check(where);
        Descriptor.check(layers, where);
        return this;
    }
}
