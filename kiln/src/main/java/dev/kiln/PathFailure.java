package dev.kiln;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An I/O failure on a file Kiln names: "PATH: what happened", in words, never the JDK's class
 * name. The JDK gives a plain IOException from a read or write only the system's error text
 * ("No space left on device") and no path: the code that knows which file it was writing names it
 * here, and {@link #systemWords} turns the text into Kiln's words.
 */
public final class PathFailure extends KilnException {
    /** The system's error texts (strerror) as the JDK passes them on, in the words Kiln prints. */
    private static final Map<String, String> SYSTEM_ERRORS = Map.ofEntries(
            Map.entry("No space left on device", "no space left on device"),
            Map.entry("Disk quota exceeded", "disk quota exceeded"),
            Map.entry("File too large", "file too large for this file system"),
            Map.entry("Read-only file system", "read-only file system"),
            Map.entry("Is a directory", "is a directory"),
            Map.entry("Not a directory", "a part of the path is not a directory"),
            Map.entry("Permission denied", "permission denied"),
            Map.entry("Operation not permitted", "operation not permitted"),
            Map.entry("No such file or directory", "no such file or directory"),
            Map.entry("File exists", "already exists"),
            Map.entry("Input/output error", "input/output error (a failing disk?)"),
            Map.entry("Too many levels of symbolic links", "is a symbolic link, or too many links to follow"),
            Map.entry("Too many open files", "too many open files"),
            Map.entry("Broken pipe", "the reader went away (broken pipe)"),
            Map.entry("Text file busy", "is being executed (text file busy)"),
            Map.entry("No such device or address", "no such device or address"));

    /** Texts only writing can cause: a plain IOException with one of these failed a write. */
    private static final java.util.Set<String> WRITE_ERRORS = java.util.Set.of("No space left on device",
            "Disk quota exceeded", "File too large", "Read-only file system");

    private final String path;
    private final String reason;

    /**
     * @param path   the file (or files, comma separated) it happened to
     * @param reason what happened, in words, without the path
     */
    public PathFailure(String path, String reason, Throwable cause) {
        super(path + ": " + reason, cause);
        this.path = path;
        this.reason = reason;
    }

    /**
     * The failure of writing {@code path} when {@code e} is a write failure that names no path
     * (the system said only "No space left on device"); empty for any other exception, which
     * names its subject itself or is not about the file.
     */
    public static Optional<PathFailure> ofWrite(String path, IOException e) {
        String text = e.getMessage() == null ? "" : e.getMessage().strip();
        if (e instanceof FileSystemException || !WRITE_ERRORS.contains(text)) {
            return Optional.empty();
        }
        return Optional.of(new PathFailure(path, SYSTEM_ERRORS.get(text), e));
    }

    /** The system's error text in Kiln's words: lower case, and a hint where one helps; null for null. */
    public static String systemWords(String text) {
        if (text == null) {
            return null;
        }
        String words = SYSTEM_ERRORS.get(text.strip());
        return words != null ? words : text;
    }

    /** Like {@link #systemWords}, for a {@link FileSystemException#getReason()}: unknown reasons in lower case. */
    public static String reasonWords(String reason) {
        String words = SYSTEM_ERRORS.get(reason.strip());
        return words != null ? words : reason.strip().toLowerCase(Locale.ROOT);
    }

    /** What happened to the file (and the other file, if any), without naming the file. */
    public static String reason(FileSystemException fs) {
        String reason = fs.getReason();
        if (reason != null) {
            reason = reasonWords(reason);
        } else {
            reason = fs instanceof AccessDeniedException ? "permission denied"
                    : fs instanceof NoSuchFileException ? "no such file or directory"
                    : fs instanceof FileAlreadyExistsException ? "already exists"
                    : fs instanceof NotDirectoryException ? "not a directory"
                    : fs instanceof DirectoryNotEmptyException ? "directory not empty"
                    : fs instanceof NotLinkException ? "not a symbolic link"
                    : fs instanceof FileSystemLoopException ? "the directory tree loops back on itself"
                    : "file system error";
        }
        String other = fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")";
        return reason + other;
    }

    public String path() {
        return path;
    }

    public String reason() {
        return reason;
    }
}
