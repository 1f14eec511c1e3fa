package dev.kiln.run;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads the console of a build step's boot (PROTOCOL.md, "Build steps"): kiln-init's report
 * lines "kiln-step NONCE ...", the step's output (each line marked "|" by kiln-init), and the
 * kernel's own lines. Only a report line with this boot's nonce counts, so nothing the step
 * prints can pass for one. Fed by the console thread, read by the runner.
 */
final class StepConsole {
    static final String PANIC = "Kernel panic - not syncing";
    static final String FS_ERROR = "EXT4-fs error";

    /** Where the boot is, as far as the console has told. */
    enum Phase {
        /** Until kiln-init starts the command (or reports that it cannot). */
        BOOTING,
        RUNNING,
        /** The command ended (or failed to start): kiln-init stops the rest and unmounts. */
        STOPPING,
        /** kiln-init said whether the disk is clean: QEMU ends by itself now. */
        DONE
    }

    private final String marker;
    private final String prefix;
    private final Consumer<String> output;
    private final int keep;
    private final ArrayDeque<String> last = new ArrayDeque<>();

    private long startedAt = -1;
    private long endedAt = -1;
    private long doneAt = -1;
    private int status = -1;
    private boolean timedOut;
    private String error;
    private boolean clean;
    private String unclean;
    private String panic;
    private String fsError;
    private String lastOtherLine = "";

    /**
     * @param prefix put before each line given to {@code output}
     * @param keep   how many of the step's last lines to keep
     */
    StepConsole(String nonce, String prefix, Consumer<String> output, int keep) {
        this.marker = "kiln-step " + nonce + " ";
        this.prefix = prefix;
        this.output = output;
        this.keep = keep;
    }

    /** One console line, without its "\n"; {@code nanos} is when it arrived (System.nanoTime). */
    synchronized void line(String raw, long nanos) {
        if (raw.startsWith("|")) {
            if (phase() == Phase.RUNNING) {
                show(visible(raw.substring(1)));
            }
            return;
        }
        String text = stripTrailingCr(raw);
        if (text.startsWith(marker)) {
            report(text.substring(marker.length()), nanos);
            return;
        }
        // the kernel's lines and kiln-init's messages
        if (text.contains(PANIC) && panic == null) {
            panic = text.substring(text.indexOf(PANIC)).trim();
        }
        if (text.contains(FS_ERROR) && fsError == null) {
            fsError = text.substring(text.indexOf(FS_ERROR)).trim();
        }
        if (phase() == Phase.RUNNING) {
            show(text); // an OOM kill, a crash: part of the step's story
        } else if (!text.isBlank()) {
            lastOtherLine = text.strip();
        }
    }

    private void report(String what, long nanos) {
        String word = what.contains(" ") ? what.substring(0, what.indexOf(' ')) : what;
        String rest = what.substring(word.length()).trim();
        switch (word) {
            case "start" -> startedAt = nanos;
            case "exit" -> {
                status = parseStatus(rest);
                endedAt = nanos;
            }
            case "timeout" -> {
                timedOut = true;
                endedAt = nanos;
            }
            case "error" -> {
                error = rest.isEmpty() ? "kiln-init could not run the step" : rest;
                endedAt = nanos;
            }
            case "clean" -> {
                clean = true;
                doneAt = nanos;
            }
            case "unclean" -> {
                unclean = rest;
                doneAt = nanos;
            }
            default -> {
                // a report a newer kiln-init makes: not for this host
            }
        }
    }

    private static int parseStatus(String s) {
        try {
            int n = Integer.parseInt(s);
            return n >= 0 && n <= 255 ? n : 1;
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private void show(String text) {
        output.accept(prefix + text);
        last.addLast(text);
        if (last.size() > keep) {
            last.removeFirst();
        }
    }

    /** What a terminal would show of a line: the text after its last carriage return (progress bars). */
    static String visible(String line) {
        String s = stripTrailingCr(line);
        return s.substring(s.lastIndexOf('\r') + 1);
    }

    private static String stripTrailingCr(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\r') {
            end--;
        }
        return s.substring(0, end);
    }

    synchronized Phase phase() {
        if (doneAt >= 0) {
            return Phase.DONE;
        }
        if (endedAt >= 0) {
            return Phase.STOPPING;
        }
        return startedAt >= 0 ? Phase.RUNNING : Phase.BOOTING;
    }

    synchronized long startedAt() {
        return startedAt;
    }

    synchronized long endedAt() {
        return endedAt;
    }

    synchronized long doneAt() {
        return doneAt;
    }

    /** The command's exit status, or -1 when it did not end by itself. */
    synchronized int status() {
        return status;
    }

    synchronized boolean timedOut() {
        return timedOut;
    }

    /** Why kiln-init could not run the step, or null. */
    synchronized String error() {
        return error;
    }

    /** kiln-init stopped everything and left the root filesystem clean. */
    synchronized boolean clean() {
        return clean && unclean == null;
    }

    /** Why the disk was not left clean, or null. */
    synchronized String unclean() {
        return unclean;
    }

    synchronized String panic() {
        return panic;
    }

    synchronized String fsError() {
        return fsError;
    }

    /** The last line that was neither the step's nor a report: what the boot said last. */
    synchronized String lastOtherLine() {
        return lastOtherLine;
    }

    synchronized List<String> lastLines() {
        return List.copyOf(last);
    }
}
