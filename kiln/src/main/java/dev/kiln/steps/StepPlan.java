package dev.kiln.steps;

import dev.kiln.KilnException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The build steps of a build and the VM they run in, as the user gave them.
 *
 * @param steps             in order; empty for a build without steps
 * @param kernelFile        {@code --kernel FILE} (also kernel+initrd's kernel), or null
 * @param kernelImage       {@code --kernel-image REF} (also kernel+initrd's), or null
 * @param environmentKernel {@code $KILN_KERNEL}, used when neither of the above is given; or null
 * @param cpus              virtual CPUs of the step VM
 * @param memory            its memory in bytes
 * @param timeout           the longest one step may run; zero for no limit
 * @param network           the default of run steps that do not say: QEMU's user-mode NAT, or none
 * @param useCache          take step results from the cache; false (--no-cache) runs every step
 *                          again (the results are still stored)
 */
public record StepPlan(List<Step> steps, Path kernelFile, String kernelImage, String environmentKernel, int cpus,
                       long memory, Duration timeout, boolean network, boolean useCache) {
    /** The smallest memory a step VM gets: a kernel and a shell fit, a package manager barely. */
    public static final long MIN_MEMORY = 128L << 20;
    public static final long DEFAULT_MEMORY = 1L << 30;

    public StepPlan {
        steps = steps == null ? List.of() : List.copyOf(steps);
        timeout = timeout == null ? Duration.ZERO : timeout;
        if (cpus < 1) {
            throw new KilnException("--build-cpus " + cpus + ": must be at least 1");
        }
        if (memory < MIN_MEMORY) {
            throw new KilnException("--build-mem " + memory + " bytes: must be at least 128M");
        }
    }

    /** A build without steps. */
    public static StepPlan none() {
        return new StepPlan(List.of(), null, null, null, 1, DEFAULT_MEMORY, Duration.ZERO, true, true);
    }

    public StepPlan withEnvironmentKernel(String kernel) {
        return new StepPlan(steps, kernelFile, kernelImage, kernel == null || kernel.isBlank() ? null : kernel, cpus,
                memory, timeout, network, useCache);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /** Whether any step boots a VM (a build of copies alone needs no kernel). */
    public boolean hasRuns() {
        return steps.stream().anyMatch(s -> s instanceof Step.Run);
    }

    /** QEMU's -m value. */
    String qemuMemory() {
        return (memory >> 20) + "M";
    }
}
