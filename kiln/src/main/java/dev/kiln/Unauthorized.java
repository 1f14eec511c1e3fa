package dev.kiln;

/**
 * A server refused the credentials Kiln had (or the lack of any): HTTP 401 or 403 from a registry
 * or its token server. Retrying does not help; other credentials might, so the message says how
 * to give them when there were none.
 */
public final class Unauthorized extends KilnException {
    /** What the user can do when Kiln had no credentials to offer. */
    static final String HOW_TO_LOG_IN = "pass --creds USER:PASS or run docker login";

    private final String subject;
    private final int status;
    private final String server;
    private final String credentials;
    private final String explanation;

    /**
     * @param subject     what was asked for ("registry/repo:tag")
     * @param status      the HTTP status (401, 403)
     * @param server      who refused, when not the registry itself ("token server https://auth..."), else null
     * @param credentials the credentials offered, as they may be shown (user and where they came from); null if none
     * @param explanation the server's own words (its error code and message), or ""
     */
    public Unauthorized(String subject, int status, String server, String credentials, String explanation) {
        super(message(subject, status, server, credentials, explanation));
        this.subject = subject;
        this.status = status;
        this.server = server;
        this.credentials = credentials;
        this.explanation = explanation;
    }

    private static String message(String subject, int status, String server, String credentials, String explanation) {
        String refusal = server != null ? "authentication failed (" + status + " from " + server + ")"
                : status == 403 ? "access denied (403 Forbidden)"
                : (credentials == null ? "authentication required" : "authentication failed") + " (" + status + " Unauthorized)";
        String who = credentials != null ? " for " + credentials
                : (server != null ? ", anonymous; " : ", no credentials found; ") + HOW_TO_LOG_IN;
        return subject + ": " + refusal + who + (explanation.isEmpty() ? "" : ": " + explanation);
    }

    public String subject() {
        return subject;
    }

    public int status() {
        return status;
    }

    /** Whether Kiln offered credentials (false: it asked anonymously). */
    public boolean hadCredentials() {
        return credentials != null;
    }

    public String explanation() {
        return explanation;
    }

    public String server() {
        return server;
    }
}
