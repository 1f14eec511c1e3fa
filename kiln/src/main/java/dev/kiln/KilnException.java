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
}
