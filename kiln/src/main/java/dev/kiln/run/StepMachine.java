package dev.kiln.run;

import dev.kiln.KilnException;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The VM that build steps run in, the same for every step of a build.
 *
 * @param kernel  the guest kernel; its architecture (read from its header) picks QEMU and the
 *                kiln-init binary, and the image's programs must be of that architecture
 * @param cpus    virtual CPUs
 * @param memory  QEMU -m value, such as "1G"
 * @param timeout the longest one step may run (from its start, not counting the boot); zero for no limit
 * @param accel   AUTO: KVM when a probe boot shows it works, else TCG
 */
public record StepMachine(Path kernel, int cpus, String memory, Duration timeout, VmSpec.Accel accel) {
    public StepMachine {
        if (kernel == null) {
            throw new KilnException("build steps need a kernel to boot");
        }
        cpus = cpus <= 0 ? 1 : cpus;
        memory = memory == null || memory.isBlank() ? "1G" : memory;
        timeout = timeout == null ? Duration.ZERO : timeout;
        accel = accel == null ? VmSpec.Accel.AUTO : accel;
        if (timeout.isNegative()) {
            throw new KilnException("step timeout " + timeout.toSeconds() + " s: must not be negative");
        }
    }
}
