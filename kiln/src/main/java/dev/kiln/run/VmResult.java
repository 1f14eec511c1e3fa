package dev.kiln.run;

import java.time.Duration;

/**
 * How a boot ended.
 *
 * @param status  the guest program's exit status (from "kiln-init: exit status N"), or -1 when none was reported
 * @param elapsed from starting QEMU to its exit
 */
public record VmResult(Outcome outcome, int status, Duration elapsed, String detail) {

    public enum Outcome {
        /** kiln-init reported the main program's exit status. */
        EXITED,
        /** QEMU exited without a status line (an image with its own init shut down). */
        STOPPED,
        /** The user stopped the VM from the console (Ctrl-a x). */
        QUIT,
        PANIC,
        /** The kernel could not execute the image's init: another architecture's program. */
        NOT_EXECUTABLE,
        TIMEOUT,
        /** QEMU itself failed (bad arguments, missing file). */
        QEMU_FAILED
    }

    /** The exit code `kiln run` returns. */
    public int exitCode() {
        return switch (outcome) {
            case EXITED -> status;
            case STOPPED -> 0;
            case TIMEOUT -> 124;
            case QUIT -> 130;
            case PANIC, NOT_EXECUTABLE, QEMU_FAILED -> 1;
        };
    }
}
