package dev.kiln.image;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.kiln.KilnException;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;

/**
 * Reads the image documents (index, manifest, config, docker-archive's manifest.json) into their
 * records. A document that is not JSON, or whose fields have the wrong JSON type, fails with one
 * line naming the document and the field ({@code "sha256:ab...: layers[2].size: expected a number"}),
 * never with the binder's own wording, which names Java types.
 */
public final class Json {
    /**
     * Unknown properties are ignored (the image spec requires it). Scalars are not coerced: a size
     * given as a string, or a number where a string belongs, is as wrong here as it is for the Go
     * tools that write and read these documents.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Json() {
    }

    /** Parses {@code json} and binds it to {@code type}; {@code where} names the document in messages. */
    public static <T> T read(byte[] json, Class<T> type, String where) {
        return bind(tree(json, where), type, where);
    }

    /** Parses without binding, for the one decision made before the type is known (index or manifest). */
    public static JsonNode tree(byte[] json, String where) {
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (tree == null || tree.isMissingNode()) {
                throw new KilnException(where + ": not valid JSON: empty document");
            }
            return tree;
        } catch (JacksonException e) {
            throw KilnException.hidingDetail(where + ": not valid JSON: " + oneLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory", e);
        }
    }

    /** Binds a parsed document to {@code type}. */
    public static <T> T bind(JsonNode tree, Class<T> type, String where) {
        try {
            T value = MAPPER.treeToValue(tree, type);
            if (value == null) {
                throw new KilnException(where + ": expected " + expected(type) + ", found null");
            }
            return value;
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof KilnException refused) {
                String field = field(e);   // a record's own check: where it was, then what it says
                throw refused.within(field.isEmpty() ? where : where + ": " + field.substring(0, field.length() - 2));
            }
            throw KilnException.hidingDetail(where + ": " + field(e) + "expected " + expected(e), e);
        } catch (JacksonException e) {
            throw KilnException.hidingDetail(where + ": not valid JSON: " + oneLine(e.getOriginalMessage()), e);
        }
    }

    /** A parser's message as one short line. */
    private static String oneLine(String text) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    /** "layers[2].size: ", or "" at the top level. */
    private static String field(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "" : path + ": ";
    }

    private static String expected(JsonMappingException e) {
        return e instanceof MismatchedInputException m && m.getTargetType() != null
                ? expected(m.getTargetType()) : "a different value";
    }

    private static String expected(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "a different value";
    }
}
