package dev.kiln.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import java.util.List;
import java.util.Map;

/**
 * An OCI image index or a Docker manifest list (the same shape), and an image layout's
 * index.json. Unknown properties are ignored, as the image spec requires.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"schemaVersion", "mediaType", "manifests", "annotations"})
public record ImageIndex(@JsonProperty("schemaVersion") Integer schemaVersion,
                         @JsonProperty("mediaType") String mediaType,
                         @JsonProperty("manifests") @JsonSetter(contentNulls = Nulls.FAIL)
                         @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> manifests,
                         @JsonProperty("annotations") @JsonSetter(contentNulls = Nulls.AS_EMPTY)
                         Map<String, String> annotations) implements ImageDocument {

    public ImageIndex {
        mediaType = mediaType == null ? "" : mediaType;
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** An empty OCI index, as a new layout starts with. */
    public static ImageIndex empty() {
        return new ImageIndex(ImageDocument.SCHEMA_VERSION, MediaTypes.OCI_INDEX, List.of(), Map.of());
    }

    /** Checks the schema version and every entry; {@code where} names the document. Returns this index. */
    public ImageIndex check(String where) {
        ImageDocument.checkSchemaVersion(schemaVersion, where);
        Descriptor.check(manifests, where);
        return this;
    }
}
