package dev.kiln;

/**
 * A failure with a message meant for the user. The CLI prints the message as one line
 * (and the stack only with --debug), so the message must name what it was working on:
 * a layer digest, a path inside a layer, a file, a limit.
 */
public class KilnException extends RuntimeException {
    /** @param message starts with what it is about (a path, digest, option or limit) */
    public KilnException(String message) {
        super(message);
    }

    /** @param message starts with what it is about; {@code cause} is what failed underneath */
    public KilnException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A failure whose message says all the user needs to read. {@code detail} (a library's own
     * exception, whose text names Java types, spans lines or names Kiln's internal files) is
     * kept for --debug as a suppressed exception, so that no describer appends it to the line.
     */
    public static KilnException hidingDetail(String message, Throwable detail) {
        KilnException failure = new KilnException(message);
        failure.addSuppressed(detail);
        return failure;
    }

    /** Where the failure happened, set by callers further up; null when the message says it all. */
    private String where;

    /**
     * Puts {@code place} (a layer digest, the spec key a container was given at) before the
     * message, keeping this exception's type and fields: a caller that adds context does not
     * turn a {@link NotFound} into a plain KilnException.
     *
     * @return this, to be thrown again
     */
    public synchronized KilnException within(String place) {
        where = where == null ? place : place + ": " + where;
        return this;
    }

    /** What {@link #within} added, for a subclass that annotates by copying itself; null for nothing. */
    protected synchronized String place() {
        return where;
    }

    @Override
    public synchronized String getMessage() {
        return where == null ? super.getMessage() : where + ": " + super.getMessage();
    }
}
