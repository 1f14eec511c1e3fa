package dev.kiln.cli;

/**
 * Why a value cannot go into the build spec, before anyone knows where the value came from: the
 * reader of the spec file or of the flags turns it into the user's error with {@link Origin}.
 *
 * <p>{@code subject} is the value (or the part of it) the problem is about, shown before the
 * message; null when the message shows the value itself ("expected a number, got 'lots'").
 * {@code line} is the line of a list item, when that is more precise than the key's line.
 */
final class SpecProblem extends RuntimeException {
    private final String subject;
    private final int line;

    SpecProblem(String message) {
        this(null, message, 0);
    }

    SpecProblem(String subject, String message) {
        this(subject, message, 0);
    }

    private SpecProblem(String subject, String message, int line) {
        super(message, null, false, false);
        this.subject = subject;
        this.line = line;
    }

    /** The same problem, located at a line of the spec file. */
    SpecProblem at(int line) {
        return new SpecProblem(subject, getMessage(), line);
    }

    String subject() {
        return subject;
    }

    int line() {
        return line;
    }
}
