package dev.kiln.ext4;

/**
 * A refusal because a value is beyond a limit: ext4's own (the largest file, the highest uid,
 * hard links per inode) or the image's as asked (--size, --inodes). Its message, like every
 * {@link Ext4Exception}'s, starts with the path or option it is about; the value and the limit
 * are kept as numbers for callers that branch on them.
 */
public class Ext4LimitException extends Ext4Exception {
    private final long value;
    private final long limit;

    /**
     * @param value the value asked for (or needed), -1 when the writer did not get as far as counting it
     * @param limit the most that fits, -1 when it depends on more than one number (a directory's size)
     */
    public Ext4LimitException(String message, long value, long limit) {
        super(message);
        this.value = value;
        this.limit = limit;
    }

    public Ext4LimitException(String message, long value, long limit, Throwable cause) {
        super(message, cause);
        this.value = value;
        this.limit = limit;
    }

    public long value() {
        return value;
    }

    public long limit() {
        return limit;
    }
}
