package dev.kiln;

/**
 * Input Kiln does not take: a format, an algorithm, a media type, a value outside what it
 * handles. Callers that can do without (a default, another reading) branch on this type rather
 * than on the words.
 */
public final class UnsupportedInput extends KilnException {
    private final String subject;
    private final String problem;

    /**
     * @param subject the input, as the user knows it (a file, a digest, "--arch arm")
     * @param problem what about it Kiln does not take, and what it takes instead when that helps
     */
    public UnsupportedInput(String subject, String problem) {
        super(subject + ": " + problem);
        this.subject = subject;
        this.problem = problem;
    }

    public String subject() {
        return subject;
    }

    public String problem() {
        return problem;
    }
}
