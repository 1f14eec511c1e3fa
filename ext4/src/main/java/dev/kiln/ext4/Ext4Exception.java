package dev.kiln.ext4;

import java.io.IOException;

/** A failure the user can act on; the message starts with the path or limit it is about. */
public class Ext4Exception extends IOException {
    /** @param message starts with the path or limit it is about */
    public Ext4Exception(String message) {
        super(message);
    }

    /** @param message starts with the path or limit it is about; {@code cause} is what failed underneath */
    public Ext4Exception(String message, Throwable cause) {
        super(message, cause);
    }
}
