package dev.kiln;

/**
 * Input beyond a limit: one Kiln sets to bound memory against hostile input (a PAX header's
 * size), or one of the format written (ext4's largest file, its highest uid). The image cannot be
 * built as asked; the message names the thing, its value and the limit.
 */
public final class LimitExceeded extends KilnException {
    private final String subject;
    private final long value;
    private final long limit;

    private LimitExceeded(String message, String subject, long value, long limit, Throwable cause) {
        super(message, cause);
        this.subject = subject;
        this.value = value;
        this.limit = limit;
    }

    /**
     * "SUBJECT: QUANTITY of VALUE UNIT exceeds the limit of LIMIT UNIT".
     *
     * @param subject  what the limit was hit on (a layer and an entry in it)
     * @param quantity what was counted ("PAX header", "sparse map")
     * @param unit     "bytes" (the limit is then also given in MiB), another unit, or "" for a count
     */
    public static LimitExceeded of(String subject, String quantity, long value, long limit, String unit) {
        String u = unit.isEmpty() ? "" : " " + unit;
        String mib = unit.equals("bytes") ? " (" + (limit >> 20) + " MiB)" : "";
        return new LimitExceeded(subject + ": " + quantity + " of " + value + u + " exceeds the limit of " + limit + u + mib,
                subject, value, limit, null);
    }

    /**
     * A limit of a format writer that knows nothing of Kiln (the ext4 writer): its own message,
     * already one line naming the path or option, with its value and limit.
     */
    public static LimitExceeded reported(String message, long value, long limit, Throwable cause) {
        return new LimitExceeded(message, null, value, limit, cause);
    }

    /** What the limit was hit on; null when the message came from a format writer. */
    public String subject() {
        return subject;
    }

    public long value() {
        return value;
    }

    public long limit() {
        return limit;
    }
}
