package dev.kiln.build;

import dev.kiln.PathFailure;

import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/**
 * A failure as the one line a user reads: the place where the JDK's I/O exceptions become
 * words. A {@link FileSystemException} carries only a path as its message (and a reason such as
 * "Is a directory" apart), and a plain IOException from a read or write carries only the
 * system's error text ("No space left on device"), no path at all. The output stage adds the
 * path to the latter (the output it was writing); this class turns both into "PATH: what
 * happened", never a class name. The CLI prints it after "kiln: "; library callers may too.
 */
public final class Failures {

    private Failures() {
    }

    /** The failure and its causes as one line, each cause added unless the line already says it. */
    public static String describe(Throwable ex) {
        String line = own(ex);
        int depth = 0;
        for (Throwable cause = ex.getCause(); cause != null && depth < 8; cause = cause.getCause(), depth++) {
            // A wrapper whose message is only its cause's toString() ("java.io.IOException: x") says nothing.
            if (line != null && line.equals(cause.toString())) {
                line = null;
            }
            String more;
            if (cause instanceof FileSystemException fs && line != null && fs.getFile() != null
                    && line.contains(fs.getFile())) {
                more = PathFailure.reason(fs);   // the line names the file already: add what happened to it
            } else {
                more = own(cause);
                if (line != null && !(cause instanceof FileSystemException) && saysAlready(line, cause.getMessage())) {
                    continue;   // the message was built with the cause's text
                }
            }
            if (more == null || (line != null && saysAlready(line, more))) {
                continue;
            }
            line = line == null ? more : line + ": " + more;
        }
        if (line == null) {
            return "internal error without a message; run again with --debug for the details";
        }
        return printable(line);
    }

    /** Longest line kept whole; a value quoted from hostile input (a 70,000-byte media type) is cut in the middle. */
    static final int MAX_LINE = 2000;

    /**
     * One line whatever the input put in it: messages quote names, media types and paths from
     * the image, which may hold newlines, escape sequences for the terminal, or NUL. The one
     * exception is Kiln's own continuation lines, a newline and two spaces (a failed step's last
     * lines of output): indented under the error, they cannot pass for a line of their own.
     */
    static String printable(String line) {
        StringBuilder out = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            switch (c) {
                case '\n' -> out.append(line.startsWith("  ", i + 1) ? "\n" : "\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        StringBuilder lines = new StringBuilder(out.length());
        for (String one : out.toString().split("\n", -1)) {
            if (!lines.isEmpty()) {
                lines.append('\n');
            }
            lines.append(one.length() <= MAX_LINE ? one
                    : one.substring(0, MAX_LINE * 2 / 3) + "..." + one.substring(one.length() - MAX_LINE / 3));
        }
        return lines.toString();
    }

    private static boolean saysAlready(String line, String part) {
        return part != null && line.toLowerCase(Locale.ROOT).contains(part.strip().toLowerCase(Locale.ROOT));
    }

    /** What one throwable itself says, in words; null when it says nothing of use. */
    private static String own(Throwable t) {
        if (t instanceof FileSystemException fs) {
            return fileSystemMessage(fs);
        }
        if (t instanceof UncheckedIOException) {
            return null;   // its message is the cause's toString(); the cause is described instead
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return null;
        }
        return PathFailure.systemWords(message);
    }

    /** The JDK's file exceptions carry only the path as their message; say what went wrong. */
    private static String fileSystemMessage(FileSystemException fs) {
        String file = fs.getFile() == null ? "" : fs.getFile() + ": ";
        return file + PathFailure.reason(fs);
    }

}
