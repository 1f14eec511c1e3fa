package dev.kiln.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The type of a value in the build spec: how it is read from the spec file and from a flag's
 * text, and how {@code --print-spec} writes it back. Problems are thrown as {@link SpecProblem}
 * (the caller knows where the value came from). The kinds are in {@link Kinds}.
 */
interface Kind<T> {
    /** The value of a YAML node that is not null (a key without a value counts as not given). */
    T fromYaml(SpecFile.Node node, Path base);

    /** The value of a flag given {@code texts} (more than one only when {@link #repeatable()}). */
    T fromFlag(List<String> texts, Path base);

    /** What {@code --print-spec} writes: a String, Number, Boolean or a List of Strings. */
    Object toYaml(T value);

    /** Whether the flag may be given more than once, its texts making one list. */
    default boolean repeatable() {
        return false;
    }

    /** The type picocli gives the flag's values: a Path gets file name completion. */
    default Class<?> flagType() {
        return String.class;
    }

    /** The values the flag can take, for shell completion; empty for any value. */
    default List<String> choices() {
        return List.of();
    }
}
