package dev.kiln.cli;

import dev.kiln.KilnException;

import java.util.List;

/**
 * Where a value of the build spec came from, so that a problem with it is reported there:
 * {@code kiln.yaml:7: agent.path: ...} for the spec file, {@code --agent FILE: ...} for a flag.
 */
sealed interface Origin {
    /** The one-line error for {@code problem}, which is about the value that came from here. */
    KilnException error(SpecProblem problem);

    /** What the user called {@code key} where this value came from: a YAML key or a flag. */
    String name(SpecKey<?> key);

    /**
     * Where the value came from, as the start of a message about it: {@code kiln.yaml:7: agent.path}
     * or {@code --agent FILE}; for problems found after the spec was read (an image that does
     * not resolve).
     */
    String where();

    /** A key of the spec file, at a line. */
    record InFile(String file, int line, String key) implements Origin {
        @Override
        public KilnException error(SpecProblem p) {
            return new KilnException(file + ":" + (p.line() > 0 ? p.line() : line) + ": " + key + ": "
                    + (p.subject() == null ? "" : p.subject() + ": ") + p.getMessage());
        }

        @Override
        public String name(SpecKey<?> key) {
            return key.path();
        }

        @Override
        public String where() {
            return file + ":" + line + ": " + key;
        }
    }

    /** A flag and the text (or texts, when repeated) it was given; none for a flag without a value. */
    record OnCommandLine(String flag, List<String> texts) implements Origin {
        public OnCommandLine {
            texts = List.copyOf(texts);
        }

        @Override
        public KilnException error(SpecProblem p) {
            // A problem with one of the texts names just that text; a problem with a part of a
            // text (the FILE of --agent FILE:DEST) names the whole text, then the part.
            if (p.subject() != null && texts.contains(p.subject())) {
                return new KilnException(flag + " " + p.subject() + ": " + p.getMessage());
            }
            String given = texts.isEmpty() ? "" : " " + String.join(" ", texts);
            return new KilnException(flag + given + ": " + (p.subject() == null ? "" : p.subject() + ": ")
                    + p.getMessage());
        }

        @Override
        public String name(SpecKey<?> key) {
            return key.flags().isEmpty() ? key.path() : key.flags().get(0).name();
        }

        @Override
        public String where() {
            return texts.isEmpty() ? flag : flag + " " + String.join(" ", texts);
        }
    }
}
