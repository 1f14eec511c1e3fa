package dev.kiln;

/**
 * Something the user named that is not there: a registry's manifest or blob (404), a spec file,
 * a kernel file, a program on PATH. Callers that may look elsewhere branch on this type.
 */
public final class NotFound extends KilnException {
    private final String subject;
    private final String kind;
    private final String detail;

    /**
     * @param subject what was looked for, as the user named it (a path, a reference, a program)
     * @param kind    what it is meant to be ("spec file"), or "" when the subject says it
     * @param detail  where it was looked for or what to do ("on PATH; install QEMU"), or ""
     */
    public NotFound(String subject, String kind, String detail) {
        this(subject + ": " + (kind.isEmpty() ? "" : kind + " ") + "not found" + (detail.isEmpty() ? "" : " " + detail),
                subject, kind, detail);
    }

    private NotFound(String message, String subject, String kind, String detail) {
        super(message);
        this.subject = subject;
        this.kind = kind;
        this.detail = detail;
    }

    /** A file the user named that does not exist: "SUBJECT: no such file", as the system says it. */
    public static NotFound file(String subject) {
        return new NotFound(subject + ": no such file", subject, "file", "");
    }

    public String subject() {
        return subject;
    }

    public String kind() {
        return kind;
    }

    public String detail() {
        return detail;
    }
}
