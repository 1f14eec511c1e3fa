package dev.kiln.source.registry;

import dev.kiln.KilnException;

/**
 * A user name and secret for one registry. {@link #toString()} never shows the secret, so a
 * record that ends up in a log line or an exception message leaks nothing.
 *
 * @param origin where the credentials came from ("--creds", "/root/.docker/config.json"), for messages
 */
record Credentials(String user, String secret, String origin) {

    /** Parses "USER:PASS" as given to --creds. */
    static Credentials parse(String userColonPass, String origin) {
        int colon = userColonPass.indexOf(':');
        if (colon <= 0) {
            throw new KilnException(origin + ": expected USER:PASS");
        }
        return new Credentials(userColonPass.substring(0, colon), userColonPass.substring(colon + 1), origin);
    }

    @Override
    public String toString() {
        return "user " + user + " (from " + origin + ")";
    }
}
