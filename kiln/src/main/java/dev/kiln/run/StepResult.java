package dev.kiln.run;

import java.time.Duration;
import java.util.List;

/**
 * How a build step ended. Only {@link #succeeded()} leaves a scratch disk to go on with; it is
 * then clean (unmounted by the guest, superblock checked).
 *
 * @param exitStatus the command's exit status (128+signal when a signal ended it); -1 when it timed out
 * @param boot       from starting QEMU until the command started
 * @param step       from the command's start until its end (or until it was stopped at the time limit)
 * @param total      from starting QEMU until QEMU exited: boot, step, and stopping and unmounting
 * @param lastLines  the last lines the step printed (up to {@link StepRunner#LAST_LINES}), without the label
 */
public record StepResult(Outcome outcome, int exitStatus, Duration boot, Duration step, Duration total,
                         List<String> lastLines) {

    public enum Outcome {
        /** The command ended by itself, with {@link #exitStatus()}. */
        EXITED,
        /** The command ran past the time limit and was stopped. */
        TIMED_OUT
    }

    public StepResult {
        lastLines = List.copyOf(lastLines);
    }

    public boolean succeeded() {
        return outcome == Outcome.EXITED && exitStatus == 0;
    }
}
