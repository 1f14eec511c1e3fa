package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What sits at a path, the entry itself and never what a symlink points to, in words for
 * messages; and opening a file only when it is a regular one. Opening a FIFO blocks until
 * someone writes to it, and opening a device or a symlink reads something other than what the
 * name promised, so inputs found by name inside something untrusted (an image layout) and
 * output targets are looked at first.
 */
public final class FileKinds {
    public static final String REGULAR = "a regular file";
    public static final String DIRECTORY = "a directory";

    private FileKinds() {
    }

    /** "a regular file", "a directory", "a symbolic link (to X)", "a FIFO (named pipe)", ...; null when nothing is there. */
    public static String kind(Path path) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (a.isRegularFile()) {
            return REGULAR;
        }
        if (a.isDirectory()) {
            return DIRECTORY;
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link (to " + Files.readSymbolicLink(path) + ")";
        }
        int type;
        try {
            type = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return "a special file";
        }
        return switch (type) {
            case 0010000 -> "a FIFO (named pipe)";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "a special file";
        };
    }

    /**
     * Opens {@code path} for reading if it is a regular file, without following a symlink at its
     * last component; returns null when nothing is there. Anything else is a {@link NotRegular}
     * carrying the kind found ({@link #kind}), for the caller to put in its own words.
     */
    public static InputStream openRegular(Path path) throws IOException {
        String kind = kind(path);
        if (kind == null) {
            return null;
        }
        if (!kind.equals(REGULAR)) {
            throw new NotRegular(kind);
        }
        try {
            return Files.newInputStream(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** What {@link #openRegular} found instead of a regular file. */
    public static final class NotRegular extends IOException {
        public NotRegular(String kind) {
            super(kind);
        }

        /** "a FIFO (named pipe)" and the like. */
        public String kind() {
            return getMessage();
        }
    }
}
