package dev.kiln.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process's standard streams are terminals (Linux: /proc; elsewhere never). */
public final class Terminals {
    public static final int STDOUT = 1;
    public static final int STDERR = 2;

    private Terminals() {
    }

    /** True when file descriptor {@code fd} of this process is a terminal, as far as /proc tells. */
    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.startsWith("/dev/console");
        } catch (Exception e) {
            return false;
        }
    }
}
