package dev.kiln.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One key of the build spec, declared once (in {@link BuildKeys}): its name in kiln.yaml, the
 * flags that set it, its kind, default, help topic and checks. The spec file reader, the flags
 * of {@code kiln build} and their help, the overlay of flags over the file and
 * {@code --print-spec} all work from these declarations.
 *
 * <p>A key holds a value of a {@link Kind}, a mapping of keys of its own ({@code agent:},
 * {@code kernel:}) or a list of such mappings ({@code files:}, {@code outputs:}); a key with no
 * name exists on the command line only ({@code --creds}, {@code -q}). Keys are configured by
 * their fluent methods while {@link BuildKeys} is initialised, and are not changed after that.
 */
final class SpecKey<T> {
    enum Shape { VALUE, MAPPING, ITEMS }

    /**
     * A flag that sets the key.
     *
     * @param names    its names ({@code -o}, {@code --output}); none for the positional parameter
     * @param label    what its value is called in the help (FILE[:DEST])
     * @param constant the value a flag that takes none stands for ({@code --no-journal}: false); else null
     * @param kind     the kind of its texts (for picocli: repeatable or not, file completion, choices)
     */
    record Flag(List<String> names, String label, String help, Object constant, Kind<?> kind) {
        /** The name errors use: the long one. */
        String name() {
            return names.isEmpty() ? label : names.get(names.size() - 1);
        }

        boolean takesValue() {
            return constant == null;
        }
    }

    /** What the flags of a parsed command line say. */
    interface FlagValues {
        /** The texts given to {@code flag} (empty for a flag that takes none), or null when it was not given. */
        List<String> texts(Flag flag);

        /** What relative paths on the command line are relative to. */
        Path base();
    }

    /** Turns the flags of a key into values: for flags that set several keys at once (--agent FILE:DEST). */
    interface FlagReader {
        void read(FlagValues given, SpecMap into);
    }

    private final String name;
    private final Shape shape;
    private final Kind<T> kind;
    private final List<SpecKey<?>> children;
    private SpecKey<?> parent;
    private Section section;
    private final List<Flag> flags = new ArrayList<>();
    private FlagReader reader;
    private T defaultValue;
    private boolean required;
    private SpecKey<?> shorthand;
    private final List<Consumer<T>> checks = new ArrayList<>();
    private final List<List<SpecKey<?>>> replacedTogether = new ArrayList<>();
    private final List<Consumer<SpecMap>> mappingChecks = new ArrayList<>();

    private SpecKey(String name, Shape shape, Kind<T> kind, List<SpecKey<?>> children) {
        this.name = name;
        this.shape = shape;
        this.kind = kind;
        this.children = List.copyOf(children);
        for (SpecKey<?> child : children) {
            child.parent = this;
        }
    }

    /** A key of the spec file holding a value of {@code kind}. */
    static <T> SpecKey<T> value(String name, Kind<T> kind) {
        return new SpecKey<>(name, Shape.VALUE, kind, List.of());
    }

    /** A key that exists only as a flag of {@code kiln build}, never in the spec file. */
    static <T> SpecKey<T> flagOnly(Kind<T> kind) {
        return new SpecKey<>(null, Shape.VALUE, kind, List.of());
    }

    /** A key holding a mapping of {@code keys}. */
    static SpecKey<SpecMap> mapping(String name, SpecKey<?>... keys) {
        return new SpecKey<>(name, Shape.MAPPING, null, Arrays.asList(keys));
    }

    /** A key holding a list of mappings of {@code keys}, each with its own lines in the file. */
    static SpecKey<List<SpecMap>> items(String name, SpecKey<?>... keys) {
        return new SpecKey<>(name, Shape.ITEMS, null, Arrays.asList(keys));
    }

    // ---- declaration (used while BuildKeys is initialised) ----

    SpecKey<T> section(Section s) {
        section = s;
        return this;
    }

    /** A flag that takes a value of this key's kind: {@code --hostname NAME}. */
    SpecKey<T> flag(String label, String help, String... names) {
        return flag(Objects.requireNonNull(kind, "a flag of a mapping or list needs the kind of its texts"),
                label, help, names);
    }

    /** A flag whose texts are of {@code textKind}; for keys that read their flags themselves. */
    SpecKey<T> flag(Kind<?> textKind, String label, String help, String... names) {
        flags.add(new Flag(List.of(names), label, help, null, textKind));
        return this;
    }

    /** A flag that takes no value and sets the key to {@code constant}: {@code --no-journal}. */
    SpecKey<T> flagMeaning(T constant, String help, String... names) {
        flags.add(new Flag(List.of(names), null, help, constant, null));
        return this;
    }

    /** The positional parameter (there is one: SOURCE). */
    SpecKey<T> positional(String label, String help) {
        flags.add(new Flag(List.of(), label, help, null, kind));
        return this;
    }

    /** Reads this key's flags with {@code r} instead of one value per flag. */
    SpecKey<T> readFlags(FlagReader r) {
        reader = r;
        return this;
    }

    /** What an absent key means; said in the help of its flag. */
    SpecKey<T> defaultValue(T value) {
        defaultValue = value;
        return this;
    }

    /** A value {@code ok} rejects is an error: "VALUE: {@code problem}". */
    SpecKey<T> check(Predicate<T> ok, String problem) {
        checks.add(v -> {
            if (!ok.test(v)) {
                throw new SpecProblem(String.valueOf(v), problem);
            }
        });
        return this;
    }

    /** A key of a mapping or of the items of a list that must be given. */
    SpecKey<T> required() {
        required = true;
        return this;
    }

    /** A mapping key whose value may be written as just the value of {@code child} ({@code agent: FILE}). */
    SpecKey<T> shorthand(SpecKey<?> child) {
        shorthand = child;
        return this;
    }

    /** Keys of this mapping that a flag replaces together: giving one unsets the others. */
    SpecKey<T> replacedTogether(SpecKey<?>... keys) {
        replacedTogether.add(List.of(keys));
        return this;
    }

    /** Keys of this mapping of which at most one may be given (and a flag replaces them together). */
    SpecKey<T> atMostOne(SpecKey<?> a, SpecKey<?> b) {
        replacedTogether(a, b);
        return checkMapping(m -> {
            if (m.has(a) && m.has(b)) {
                Origin o = m.origin(b);
                throw o.error(new SpecProblem("give " + o.name(a) + " or " + o.name(b) + ", not both"));
            }
        });
    }

    /** A check of the whole mapping (of each item, for a list): it throws {@link SpecProblem}. */
    SpecKey<T> checkMapping(Consumer<SpecMap> check) {
        mappingChecks.add(check);
        return this;
    }

    // ---- use ----

    String name() {
        return name;
    }

    /** The dotted path of the key in the spec file: {@code kernel.path}. */
    String path() {
        return parent == null ? name : parent.path() + "." + name;
    }

    Shape shape() {
        return shape;
    }

    SpecKey<?> parent() {
        return parent;
    }

    List<SpecKey<?>> children() {
        return children;
    }

    SpecKey<?> shorthand() {
        return shorthand;
    }

    boolean isRequired() {
        return required;
    }

    List<Flag> flags() {
        return flags;
    }

    /** This key's flag called {@code name}. */
    Flag flag(String name) {
        return flags.stream().filter(f -> f.names().contains(name)).findFirst().orElseThrow();
    }

    List<List<SpecKey<?>>> replacedTogether() {
        return replacedTogether;
    }

    /** The help topic: the key's own, else its parent's. */
    Section section() {
        return section != null ? section : parent != null ? parent.section() : Section.GENERAL;
    }

    T defaultValue() {
        return defaultValue;
    }

    Kind<T> kind() {
        return kind;
    }

    /** The value of a YAML node, checked. */
    T fromYaml(SpecFile.Node node, Path base) {
        return checked(kind.fromYaml(node, base));
    }

    /** The value of a flag's texts, checked. */
    T fromFlag(List<String> texts, Path base) {
        return checked(kind.fromFlag(texts, base));
    }

    private T checked(T value) {
        checks.forEach(c -> c.accept(value));
        return value;
    }

    /** Checks a mapping this key holds (or one of its items); throws {@link SpecProblem}. */
    void checkMappingValue(SpecMap m) {
        for (SpecKey<?> child : children) {
            if (child.required && !m.has(child)) {
                throw new SpecProblem(child.name + " is missing");
            }
        }
        mappingChecks.forEach(c -> c.accept(m));
    }

    /** Sets what this key's flags say in {@code into}. */
    @SuppressWarnings("unchecked")
    void readFlags(FlagValues given, SpecMap into) {
        if (reader != null) {
            reader.read(given, into);
            return;
        }
        for (Flag f : flags) {
            List<String> texts = given.texts(f);
            if (texts == null) {
                continue;
            }
            Origin o = new Origin.OnCommandLine(f.name(), texts);
            try {
                into.put(this, f.takesValue() ? fromFlag(texts, given.base()) : (T) f.constant(), o);
            } catch (SpecProblem p) {
                // The flag's text is the whole value: a problem with the value names it as read
                // (--headroom -1.0, --script /abs/path) instead of repeating it.
                boolean whole = p.subject() != null && texts.size() == 1;
                throw (whole ? new Origin.OnCommandLine(f.name(), List.of(p.subject())) : o).error(p);
            }
        }
    }

    /** What --print-spec writes for {@code value}. */
    @SuppressWarnings("unchecked")
    Object toYaml(Object value) {
        return switch (shape) {
            case VALUE -> kind.toYaml((T) value);
            case MAPPING -> ((SpecMap) value).toYaml();
            case ITEMS -> ((List<SpecMap>) value).stream().map(SpecMap::toYaml).toList();
        };
    }

    @Override
    public String toString() {
        return name != null ? path() : flags.isEmpty() ? "?" : flags.get(0).name();
    }
}
