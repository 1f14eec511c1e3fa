package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kiln.KilnException;
import dev.kiln.output.OutputSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code kiln.yaml} into a {@link BuildSpec}. The YAML is read as a tree that remembers
 * the line of every key, so that unknown keys, wrong types and missing files are reported as
 * {@code kiln.yaml:LINE: KEY: problem}. Relative paths are relative to the file's directory.
 */
final class SpecFile {
    /** A YAML value with the line of its key (or list item): a map, a list, a scalar or null. */
    record Node(Object value, int line) {
    }

    /** A scalar's text and what YAML made of it (string, number, boolean). */
    record Scalar(String text, JsonToken token) {
    }

    static final Set<String> TOP = Set.of("image", "platform", "size", "headroom", "inodes", "label", "journal",
            "init", "agent", "script", "files", "env", "hostname", "dns", "entrypoint", "cmd", "user", "workdir",
            "kernel", "outputs", "strict");

    private final String name;
    private final Path dir;

    private SpecFile(Path file) {
        this.name = file.toString();
        this.dir = file.toAbsolutePath().getParent();
    }

    static BuildSpec read(Path file) throws IOException {
        SpecFile f = new SpecFile(file);
        if (Files.isDirectory(file)) {
            throw new KilnException(file + ": is a directory, not a spec file");
        }
        Node root;
        try (JsonParser p = new YAMLFactory().createParser(Files.newInputStream(file))) {
            JsonToken t = p.nextToken();
            root = t == null ? new Node(Map.of(), 1) : f.parse(p, t, 1);
        } catch (NoSuchFileException e) {
            throw new KilnException(file + ": spec file not found");
        } catch (JsonProcessingException e) {
            throw new KilnException(file + ":" + e.getLocation().getLineNr() + ": not valid YAML: "
                    + e.getOriginalMessage());
        }
        return f.toSpec(root);
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
                        throw error(keyLine, key, "given twice");
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

    private BuildSpec toSpec(Node root) {
        Map<String, Node> top = map(root, "(top level)", TOP);
        BuildSpec s = new BuildSpec();
        s.image = BuildSpec.resolveImage(str(top, "image"), dir);
        s.platform = str(top, "platform");
        s.size = str(top, "size");
        s.headroom = top.containsKey("headroom") ? number(top.get("headroom"), "headroom") : null;
        s.inodes = top.containsKey("inodes") ? integer(top.get("inodes"), "inodes") : null;
        s.label = str(top, "label");
        s.journal = bool(top, "journal");
        s.strict = bool(top, "strict");
        s.init = str(top, "init");
        Node agent = top.get("agent");
        if (agent != null && agent.value() instanceof Map) {
            Map<String, Node> a = map(agent, "agent", Set.of("path", "dest", "args", "env"));
            s.agent = existing(a.get("path"), "agent.path");
            s.agentDest = str(a, "dest", "agent.dest");
            s.agentArgs = list(a.get("args"), "agent.args");
            s.agentEnv = env(a.get("env"), "agent.env");
        } else if (agent != null) {
            s.agent = existing(agent, "agent");
        }
        s.script = top.containsKey("script") ? existing(top.get("script"), "script") : null;
        s.env = env(top.get("env"), "env");
        s.hostname = str(top, "hostname");
        s.dns = list(top.get("dns"), "dns");
        s.entrypoint = list(top.get("entrypoint"), "entrypoint");
        s.cmd = list(top.get("cmd"), "cmd");
        s.user = str(top, "user");
        s.workdir = str(top, "workdir");
        if (top.get("files") != null) {
            s.files = new ArrayList<>();
            List<Node> files = items(top.get("files"), "files");
            for (int i = 0; i < files.size(); i++) {
                String key = "files[" + i + "]";
                Map<String, Node> f = map(files.get(i), key, Set.of("path", "source", "contents", "symlink",
                        "directory", "mode", "uid", "gid"));
                String path = str(f, "path", key + ".path");
                if (path == null) {
                    throw error(files.get(i).line(), key, "path is missing");
                }
                s.files.add(new BuildSpec.FileEntry(path,
                        f.containsKey("source") ? existing(f.get("source"), key + ".source") : null,
                        str(f, "contents", key + ".contents"), str(f, "symlink", key + ".symlink"),
                        f.containsKey("directory") ? bool(f.get("directory"), key + ".directory") : null,
                        f.containsKey("mode") ? mode(f.get("mode"), key + ".mode") : null,
                        f.containsKey("uid") ? integer(f.get("uid"), key + ".uid") : null,
                        f.containsKey("gid") ? integer(f.get("gid"), key + ".gid") : null));
            }
        }
        if (top.get("kernel") != null) {
            Map<String, Node> k = map(top.get("kernel"), "kernel", Set.of("path", "image", "cmdline"));
            s.kernelPath = k.containsKey("path") ? existing(k.get("path"), "kernel.path") : null;
            s.kernelImage = str(k, "image", "kernel.image");
            s.cmdline = str(k, "cmdline", "kernel.cmdline");
        }
        if (top.get("outputs") != null) {
            s.outputs = new ArrayList<>();
            List<Node> outs = items(top.get("outputs"), "outputs");
            for (int i = 0; i < outs.size(); i++) {
                String key = "outputs[" + i + "]";
                Map<String, Node> o = map(outs.get(i), key, Set.of("format", "path", "compress"));
                String format = str(o, "format", key + ".format");
                String path = str(o, "path", key + ".path");
                if (format == null || path == null) {
                    throw error(outs.get(i).line(), key, "needs both format and path");
                }
                String resolved = path.equals(OutputSpec.STDOUT) ? path : dir.resolve(path).normalize().toString();
                s.outputs.add(new BuildSpec.OutputEntry(format, resolved,
                        str(o, "compress", key + ".compress")));
            }
        }
        return s;
    }

    private Map<String, Node> map(Node n, String key, Set<String> allowed) {
        if (!(n.value() instanceof Map<?, ?>)) {
            throw error(n.line(), key, "expected a mapping of keys to values, got " + kind(n));
        }
        @SuppressWarnings("unchecked")
        Map<String, Node> m = (Map<String, Node>) n.value();
        for (Map.Entry<String, Node> e : m.entrySet()) {
            if (!allowed.contains(e.getKey())) {
                String prefix = key.equals("(top level)") ? "" : key + ".";
                throw error(e.getValue().line(), prefix + e.getKey(), "unknown key; expected one of "
                        + allowed.stream().sorted().toList());
            }
        }
        return m;
    }

    private List<Node> items(Node n, String key) {
        if (!(n.value() instanceof List<?>)) {
            throw error(n.line(), key, "expected a list, got " + kind(n));
        }
        @SuppressWarnings("unchecked")
        List<Node> l = (List<Node>) n.value();
        return l;
    }

    private String str(Map<String, Node> m, String key) {
        return str(m, key, key);
    }

    private String str(Map<String, Node> m, String key, String where) {
        Node n = m.get(key);
        if (n == null || n.value() == null) {
            return null;
        }
        if (!(n.value() instanceof Scalar s)) {
            throw error(n.line(), where, "expected a single value, got " + kind(n));
        }
        return s.text();
    }

    private Boolean bool(Map<String, Node> m, String key) {
        return m.get(key) == null ? null : bool(m.get(key), key);
    }

    private Boolean bool(Node n, String key) {
        if (n.value() instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw error(n.line(), key, "expected true or false, got " + kind(n));
    }

    private Long integer(Node n, String key) {
        if (n.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                return Long.parseLong(s.text().replace("_", ""));
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw error(n.line(), key, "expected a whole number, got " + kind(n));
    }

    private Double number(Node n, String key) {
        if (n.value() instanceof Scalar s && (s.token() == JsonToken.VALUE_NUMBER_INT
                || s.token() == JsonToken.VALUE_NUMBER_FLOAT)) {
            return Double.parseDouble(s.text());
        }
        throw error(n.line(), key, "expected a number, got " + kind(n));
    }

    /** Octal permission bits: 0755, "755" or 0o755. */
    private Integer mode(Node n, String key) {
        if (n.value() instanceof Scalar s) {
            String t = s.text().startsWith("0o") ? s.text().substring(2) : s.text();
            try {
                int mode = Integer.parseInt(t, 8);
                if (mode >= 0 && mode <= 07777) {
                    return mode;
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
        }
        throw error(n.line(), key, "expected octal permission bits such as 0644, got " + kind(n));
    }

    /** A list of strings; a single value is a list of one. */
    private List<String> list(Node n, String key) {
        if (n == null || n.value() == null) {
            return null;
        }
        if (n.value() instanceof Scalar s) {
            return List.of(s.text());
        }
        List<String> out = new ArrayList<>();
        for (Node item : items(n, key)) {
            if (!(item.value() instanceof Scalar s)) {
                throw error(item.line(), key, "expected a list of single values, got an item that is " + kind(item));
            }
            out.add(s.text());
        }
        return out;
    }

    /** Environment as a list of NAME=VALUE or a mapping NAME: VALUE. */
    private List<String> env(Node n, String key) {
        if (n != null && n.value() instanceof Map<?, ?> raw) {
            List<String> out = new ArrayList<>();
            @SuppressWarnings("unchecked")
            Map<String, Node> m = (Map<String, Node>) raw;
            for (Map.Entry<String, Node> e : m.entrySet()) {
                String v = str(m, e.getKey(), key + "." + e.getKey());
                out.add(e.getKey() + "=" + (v == null ? "" : v));
            }
            return out;
        }
        List<String> l = list(n, key);
        if (l != null) {
            for (String s : l) {
                if (s.indexOf('=') <= 0) {
                    throw error(n.line(), key, "'" + s + "' is not NAME=VALUE");
                }
            }
        }
        return l;
    }

    /** A path to a host file that must exist, resolved against the spec's directory. */
    private String existing(Node n, String key) {
        if (n == null || !(n.value() instanceof Scalar s)) {
            throw error(n == null ? 0 : n.line(), key, "expected a file path, got " + (n == null ? "nothing" : kind(n)));
        }
        Path p = dir.resolve(s.text()).normalize();
        if (!Files.exists(p)) {
            throw error(n.line(), key, p + ": no such file");
        }
        return p.toString();
    }

    private static String kind(Node n) {
        Object v = n.value();
        if (v == null) {
            return "nothing";
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        Scalar s = (Scalar) v;
        return switch (s.token()) {
            case VALUE_TRUE, VALUE_FALSE -> "a boolean (" + s.text() + ")";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number (" + s.text() + ")";
            default -> "'" + s.text() + "'";
        };
    }

    private KilnException error(int line, String key, String problem) {
        return new KilnException(name + ":" + line + ": " + key + ": " + problem);
    }
}
