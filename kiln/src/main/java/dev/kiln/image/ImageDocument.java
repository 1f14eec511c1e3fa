package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.UnsupportedInput;

/**
 * What a manifest descriptor points at: an index (one image per platform) or a manifest (one
 * image). Both are checked as they are read: what the image spec requires and Kiln relies on is
 * there, or the read fails naming the document.
 */
public sealed interface ImageDocument permits ImageIndex, ImageManifest {
    /** Documents declaring another schema version are not the ones these records describe. */
    int SCHEMA_VERSION = 2;

    /**
     * Reads an index or a manifest. Its kind is the descriptor's media type ({@code declaredType});
     * when that is empty, the document's own, and when that is empty too, its shape: "manifests"
     * makes an index, "layers" a manifest (older tools wrote neither media type).
     *
     * @param where the document's digest, for messages
     */
    static ImageDocument read(byte[] json, String declaredType, String where) {
        JsonNode tree = Json.tree(json, where);
        String type = declaredType == null || declaredType.isEmpty() ? tree.path("mediaType").asText("") : declaredType;
        if (MediaTypes.isIndex(type) || (type.isEmpty() && tree.has("manifests"))) {
            return Json.bind(tree, ImageIndex.class, where).check(where);
        }
        if (MediaTypes.isManifest(type) || (type.isEmpty() && tree.has("layers"))) {
            return Json.bind(tree, ImageManifest.class, where).check(where);
        }
        throw new KilnException(where + ": not an image manifest or index (media type \"" + type + "\")");
    }

    /** Refuses a document declaring a schema version other than 2 (none declared is taken as 2). */
    static void checkSchemaVersion(Integer schemaVersion, String where) {
        if (schemaVersion != null && schemaVersion != SCHEMA_VERSION) {
            throw new UnsupportedInput(where, "schemaVersion " + schemaVersion + " is not supported (expected "
                    + SCHEMA_VERSION + ")");
        }
    }
}
