package dev.kiln;

/**
 * A failure with a message meant for the user. The CLI prints the message as one line
 * (and the stack only with --debug), so the message must name what it was working on:
 * a layer digest, a path inside a layer, a file, a limit.
 */
public class KilnException extends RuntimeException {
    public KilnException(String message) {
        super(message);
    }

    public KilnException(String message, Throwable cause) {
        super(message, cause);
    }
}
