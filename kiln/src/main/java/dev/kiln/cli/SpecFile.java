package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.KilnException;
import dev.kiln.NotFound;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads {@code kiln.yaml} by the keys declared in {@link BuildKeys}. The YAML is read as a tree
 * that remembers the line of every key and list item, so that unknown keys, wrong types and bad
 * values are reported as {@code kiln.yaml:LINE: KEY: problem}. Relative paths are relative to
 * the file's directory.
 */
final class SpecFile {
    /** A YAML value with the line of its key (or list item): a map, a list, a scalar or null. */
    record Node(Object value, int line) {
        /** What the value is, for messages: "a list", "'text'", "a number (12)". */
        String describe() {
            if (value == null) {
                return "nothing";
            }
            if (value instanceof Map) {
                return "a mapping";
            }
            if (value instanceof List) {
                return "a list";
            }
            Scalar s = (Scalar) value;
            return switch (s.token()) {
                case VALUE_TRUE, VALUE_FALSE -> "a boolean (" + s.text() + ")";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number (" + s.text() + ")";
                default -> "'" + s.text() + "'";
            };
        }
    }

    /** A scalar's text and what YAML made of it (string, number, boolean). */
    record Scalar(String text, JsonToken token) {
    }

    private final String name;
    private final Path dir;

    private SpecFile(Path file) {
        this.name = file.toString();
        this.dir = file.toAbsolutePath().getParent();
    }

    /** The build spec in {@code file}. */
    static BuildSpec read(Path file) throws IOException {
        return new BuildSpec(read(file, BuildKeys.ALL));
    }

    /** The values of {@code keys} in {@code file}; any other key is an error. */
    static SpecMap read(Path file, List<SpecKey<?>> keys) throws IOException {
        SpecFile f = new SpecFile(file);
        if (Files.isDirectory(file)) {
            throw new KilnException(file + ": is a directory, not a spec file");
        }
        Node root;
        try (InputStream in = Files.newInputStream(file); JsonParser p = new YAMLFactory().createParser(in)) {
            JsonToken t = p.nextToken();
            root = t == null ? new Node(Map.of(), 1) : f.parse(p, t, 1);
        } catch (NoSuchFileException e) {
            throw new NotFound(file.toString(), "spec file", "");
        } catch (JsonProcessingException e) {
            throw notYaml(file, e);
        }
        return f.mapping(root, "(top level)", null, keys);
    }

    /**
     * One line: where, what the parser expected, and what it was doing. SnakeYAML's own message
     * spans lines, with the offending line and a caret under it.
     */
    private static KilnException notYaml(Path file, JsonProcessingException e) {
        String where = file + ":" + e.getLocation().getLineNr();
        String what = e.getOriginalMessage();
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
            if (marked.getProblemMark() != null) {
                where = file + ":" + (marked.getProblemMark().getLine() + 1) + ":" + (marked.getProblemMark().getColumn() + 1);
            }
            what = marked.getProblem() + (marked.getContext() == null ? "" : " (" + marked.getContext() + ")");
        }
        return KilnException.hidingDetail(where + ": not valid YAML: " + what.replaceAll("\\s+", " ").strip(), e);
    }

    private Node parse(JsonParser p, JsonToken t, int line) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Node> map = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    Node value = parse(p, p.nextToken(), keyLine);
                    if (map.put(key, value) != null) {
                        throw new KilnException(name + ":" + keyLine + ": " + key + ": given twice");
                    }
                }
                return new Node(map, line);
            }
            case START_ARRAY -> {
                List<Node> list = new ArrayList<>();
                for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
                    list.add(parse(p, i, p.currentTokenLocation().getLineNr()));
                }
                return new Node(list, line);
            }
            case VALUE_NULL -> {
                return new Node(null, line);
            }
            default -> {
                return new Node(new Scalar(p.getText(), t), line);
            }
        }
    }

    /**
     * Reads mapping {@code n}, the value of {@code holder} (null at the top level) whose keys
     * are {@code keys}; {@code where} names it in messages ("agent", "files[2]").
     */
    private SpecMap mapping(Node n, String where, SpecKey<?> holder, List<SpecKey<?>> keys) {
        Origin here = new Origin.InFile(name, n.line(), where);
        if (!(n.value() instanceof Map<?, ?> raw)) {
            throw here.error(new SpecProblem("expected a mapping of keys to values, got " + n.describe()));
        }
        String prefix = holder == null ? "" : where + ".";
        SpecMap values = new SpecMap(holder, keys, here);
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            String keyName = (String) e.getKey();
            Node value = (Node) e.getValue();
            SpecKey<?> key = keys.stream().filter(k -> keyName.equals(k.name())).findFirst().orElse(null);
            Origin at = new Origin.InFile(name, value.line(), prefix + keyName);
            if (key == null) {
                throw at.error(new SpecProblem("unknown key; expected one of " + keys.stream().map(SpecKey::name)
                        .filter(Objects::nonNull).sorted().toList()));
            }
            if (value.value() == null) {
                continue;   // "key:" with nothing after it: not given
            }
            try {
                put(values, key, value, prefix + keyName, at);
            } catch (SpecProblem p) {
                throw at.error(p);
            }
        }
        if (holder != null) {
            try {
                holder.checkMappingValue(values);
            } catch (SpecProblem p) {
                throw here.error(p);
            }
        }
        return values;
    }

    private <T> void put(SpecMap into, SpecKey<T> key, Node value, String where, Origin at) {
        into.put(key, read(key, value, where), at);
    }

    @SuppressWarnings("unchecked")
    private <T> T read(SpecKey<T> key, Node n, String where) {
        return switch (key.shape()) {
            case VALUE -> key.fromYaml(n, dir);
            case MAPPING -> {
                boolean shorthand = key.shorthand() != null && n.value() instanceof Scalar;
                Node m = shorthand ? new Node(Map.of(key.shorthand().name(), n), n.line()) : n;
                yield (T) mapping(m, where, key, key.children());
            }
            case ITEMS -> {
                if (!(n.value() instanceof List<?> raw)) {
                    throw new SpecProblem("expected a list, got " + n.describe());
                }
                List<SpecMap> items = new ArrayList<>();
                for (Object item : raw) {
                    items.add(mapping((Node) item, where + "[" + items.size() + "]", key, key.children()));
                }
                yield (T) List.copyOf(items);
            }
        };
    }
}
