package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.cli.SpecFile.Node;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.OutputSpec;
import dev.kiln.source.Sources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/** The kinds of values the build spec holds (see {@link Kind}). */
final class Kinds {
    private static final Set<JsonToken> ANY = null;
    private static final Set<JsonToken> NUMBERS = Set.of(JsonToken.VALUE_NUMBER_INT, JsonToken.VALUE_NUMBER_FLOAT);

    /** Any single value, as written. */
    static final Kind<String> TEXT = scalar("a single value", ANY, (text, base) -> text);

    /** A number; NaN and infinities too, for a key's check to refuse with its own message. */
    static final Kind<Double> NUMBER = scalar("a number", NUMBERS, (text, base) -> Double.parseDouble(text));

    static final Kind<Long> WHOLE_NUMBER = scalar("a whole number", Set.of(JsonToken.VALUE_NUMBER_INT),
            (text, base) -> Long.parseLong(text.replace("_", "")));

    static final Kind<Boolean> BOOLEAN = scalar("true or false", Set.of(JsonToken.VALUE_TRUE, JsonToken.VALUE_FALSE),
            (text, base) -> switch (text) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException();
            });

    /** Permission bits in octal: 0755, "755" or 0o755; written back as "0755". */
    static final Kind<Integer> MODE = new Scalar<>("octal permission bits such as 0644", ANY, (text, base) -> {
        int mode = Integer.parseInt(text.startsWith("0o") ? text.substring(2) : text, 8);
        if (mode < 0 || mode > 07777) {
            throw new NumberFormatException();
        }
        return mode;
    }, mode -> String.format("0%o", mode), String.class, List.of());

    /** A size such as 512M or 2G, kept as written. */
    static final Kind<String> SIZE = scalar("a size", ANY, (text, base) -> {
        try {
            ByteSize.bytes(text);
            return text;
        } catch (NumberFormatException e) {
            throw new SpecProblem(text, ByteSize.NOT_A_SIZE);
        }
    });

    /** A file on the host that must exist, relative to the spec file's directory (or the working directory). */
    static final Kind<Path> HOST_FILE = path("a file path", (text, base) -> {
        Path p = base.resolve(text).normalize();
        if (!Files.exists(p)) {
            throw new SpecProblem(p.toString(), "no such file");
        }
        if (!Files.isRegularFile(p)) {
            throw new SpecProblem(p.toString(), "not a regular file");
        }
        return p;
    });

    /** A file or directory on the host that must exist (what a copy step takes), relative like {@link #HOST_FILE}. */
    static final Kind<Path> HOST_TREE = path("a file or directory path", (text, base) -> {
        Path p = base.resolve(text).normalize();
        if (!Files.exists(p)) {
            throw new SpecProblem(p.toString(), "no such file or directory");
        }
        return p;
    });

    /** A duration such as 90s, 30m or 2h (a number alone is seconds); 0 means no limit. */
    static final Kind<Duration> DURATION = new Scalar<>("a duration such as 90s, 30m or 2h", ANY, (text, base) -> {
        try {
            return RunCommand.duration("", text);
        } catch (dev.kiln.KilnException e) {
            throw new IllegalArgumentException(e);
        }
    }, d -> d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms", String.class, List.of());

    /** A path on the host that need not exist yet (an output), relative like {@link #HOST_FILE}. */
    static final Kind<Path> HOST_PATH = path("a path", (text, base) -> base.resolve(text).normalize());

    /** Where an output goes: as {@link #HOST_PATH}, except that "-" is standard output. */
    static final Kind<Path> OUTPUT_PATH = path("a path", (text, base) ->
            text.equals(OutputSpec.STDOUT) ? Path.of(text) : base.resolve(text).normalize());

    /** A path taken as given: for flags that never appear in a spec file. */
    static final Kind<Path> PLAIN_PATH = path("a path", (text, base) -> Path.of(text));

    /** An image reference (any SOURCE form); local ones are resolved like {@link #HOST_PATH}. */
    static final Kind<String> IMAGE = scalar("an image reference", ANY, Kinds::resolveImage);

    /** Strings; a single value in YAML is a list of one, a flag gives one per use. */
    static final ListKind LIST = new ListKind(false, false, null, null, null);

    /**
     * A command line: as {@link #LIST}, except that a flag given once takes a JSON array
     * ({@code --cmd '["a", "b c"]'}) or, when empty, clears it.
     */
    static final ListKind ARGV = new ListKind(true, false, Kinds::hasNoNul, "contains a NUL byte", null);

    /** Environment entries NAME=VALUE: a list of them, or in YAML a mapping NAME: VALUE. */
    static final ListKind ENV = new ListKind(false, true, GuestConfig::isEnvironmentEntry, "expected NAME=VALUE", null);

    private Kinds() {
    }

    /** One of {@code choices}, in any case; kept in the case given here. */
    static Kind<String> choice(String... choices) {
        List<String> all = List.of(choices);
        String expected = all.size() <= 3
                ? String.join(", ", all.subList(0, all.size() - 1)) + " or " + all.get(all.size() - 1)
                : "one of " + String.join(", ", all);
        return new Scalar<>(expected, ANY, (text, base) -> {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (!all.contains(t)) {
                throw new IllegalArgumentException();
            }
            return t;
        }, v -> v, String.class, all);
    }

    /** Whether {@code s} can be written to init.conf, whose records end with NUL. */
    static boolean hasNoNul(String s) {
        return s.indexOf('\0') < 0;
    }

    /** Resolves a local image reference against {@code base}; others stay (the source table decides which). */
    static String resolveImage(String reference, Path base) {
        return Sources.resolveAgainst(reference, base);
    }

    /** Reads a scalar's text; IllegalArgumentException means "not of this kind". */
    interface Parser<T> {
        T parse(String text, Path base);
    }

    private static <T> Kind<T> scalar(String expected, Set<JsonToken> tokens, Parser<T> parser) {
        return new Scalar<>(expected, tokens, parser, v -> v, String.class, List.of());
    }

    private static Kind<Path> path(String expected, Parser<Path> parser) {
        return new Scalar<>(expected, ANY, parser, Path::toString, Path.class, List.of());
    }

    /** A single value: in YAML a scalar of one of {@code tokens} (any when null). */
    record Scalar<T>(String expected, Set<JsonToken> tokens, Parser<T> parser, Function<T, Object> yaml,
                     Class<?> flagType, List<String> choices) implements Kind<T> {
        @Override
        public T fromYaml(Node node, Path base) {
            if (node.value() instanceof SpecFile.Scalar s && (tokens == null || tokens.contains(s.token()))) {
                try {
                    return parser.parse(s.text(), base);
                } catch (IllegalArgumentException e) {
                    // fall through to the error
                }
            }
            throw new SpecProblem("expected " + expected + ", got " + node.describe());
        }

        @Override
        public T fromFlag(List<String> texts, Path base) {
            try {
                return parser.parse(texts.get(texts.size() - 1), base);
            } catch (IllegalArgumentException e) {
                throw new SpecProblem("expected " + expected);
            }
        }

        @Override
        public Object toYaml(T value) {
            return yaml.apply(value);
        }
    }

    /**
     * A list of strings, each (when {@code rule} is given) one that {@code rule} accepts.
     *
     * @param argv             a flag given once may hold a JSON array, or clear the list with ""
     * @param nameValueMapping in YAML, a mapping NAME: VALUE may stand for the list NAME=VALUE...
     * @param problem          what is wrong with an item that {@code rule} rejects
     * @param explain          what is wrong with an item, in its own words, or null when nothing is
     *                         (checked after {@code rule}; null for none)
     */
    record ListKind(boolean argv, boolean nameValueMapping, Predicate<String> rule, String problem,
                    Function<String, String> explain) implements Kind<List<String>> {

        /** This kind, with every item checked by {@code itemRule}. */
        ListKind each(Predicate<String> itemRule, String itemProblem) {
            return new ListKind(argv, nameValueMapping, itemRule, itemProblem, explain);
        }

        /** This kind, with every item checked by {@code why}: null for a good item, else what is wrong with it. */
        ListKind each(Function<String, String> why) {
            return new ListKind(argv, nameValueMapping, rule, problem, why);
        }

        @Override
        public List<String> fromYaml(Node node, Path base) {
            List<String> out = new ArrayList<>();
            if (node.value() instanceof SpecFile.Scalar s) {
                out.add(s.text());
                checkItem(s.text(), node.line());
            } else if (nameValueMapping && node.value() instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    Node v = (Node) e.getValue();
                    if (v.value() != null && !(v.value() instanceof SpecFile.Scalar)) {
                        throw new SpecProblem((String) e.getKey(), "expected a single value, got " + v.describe())
                                .at(v.line());
                    }
                    String entry = e.getKey() + "=" + (v.value() == null ? "" : ((SpecFile.Scalar) v.value()).text());
                    checkItem(entry, v.line());
                    out.add(entry);
                }
            } else if (node.value() instanceof List<?> items) {
                for (Object o : items) {
                    Node item = (Node) o;
                    if (!(item.value() instanceof SpecFile.Scalar s)) {
                        throw new SpecProblem("expected a list of single values, got an item that is "
                                + item.describe()).at(item.line());
                    }
                    checkItem(s.text(), item.line());
                    out.add(s.text());
                }
            } else {
                throw new SpecProblem("expected a list, got " + node.describe());
            }
            return List.copyOf(out);
        }

        @Override
        public List<String> fromFlag(List<String> texts, Path base) {
            List<String> out = texts;
            if (argv && texts.size() == 1 && texts.get(0).isEmpty()) {
                out = List.of();
            } else if (argv && texts.size() == 1 && texts.get(0).trim().startsWith("[")) {
                try {
                    out = new ObjectMapper().readValue(texts.get(0), new TypeReference<List<String>>() { });
                } catch (JsonProcessingException e) {
                    throw new SpecProblem(texts.get(0), "not a JSON array of strings");
                }
                if (out.contains(null)) {
                    throw new SpecProblem(texts.get(0), "not a JSON array of strings");
                }
            }
            out.forEach(item -> checkItem(item, 0));
            return List.copyOf(out);
        }

        private void checkItem(String item, int line) {
            if (rule != null && !rule.test(item)) {
                throw new SpecProblem(item.replace('\0', '?'), problem).at(line);
            }
            String why = explain == null ? null : explain.apply(item);
            if (why != null) {
                throw new SpecProblem(item.replace('\0', '?'), why).at(line);
            }
        }

        @Override
        public Object toYaml(List<String> value) {
            return value;
        }

        @Override
        public boolean repeatable() {
            return true;
        }
    }
}
