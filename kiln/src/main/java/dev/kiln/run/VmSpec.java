package dev.kiln.run;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One microVM boot.
 *
 * @param image   root filesystem (raw ext4 or qcow2) attached as /dev/vda, or null to boot the initrd alone
 * @param kernel  the guest kernel (bzImage, or vmlinux with a PVH note)
 * @param initrd  an initramfs, or null
 * @param append  extra kernel command line, appended after Kiln's
 * @param memory  QEMU -m value, e.g. "512M"
 * @param timeout how long the guest may run; zero means no limit
 */
public record VmSpec(Path image, Path kernel, Path initrd, String append, String memory, int cpus,
                     Duration timeout, Accel accel, Machine machine) {

    public enum Accel { AUTO, KVM, TCG }

    public enum Machine {
        /** Firecracker's device model: no PCI, no ACPI, virtio-mmio devices. */
        MICROVM,
        Q35
    }

    public VmSpec {
        append = append == null ? "" : append;
        memory = memory == null ? "512M" : memory;
        cpus = cpus <= 0 ? 1 : cpus;
        timeout = timeout == null ? Duration.ZERO : timeout;
        accel = accel == null ? Accel.AUTO : accel;
        machine = machine == null ? Machine.MICROVM : machine;
    }

    public static VmSpec of(Path image, Path kernel) {
        return new VmSpec(image, kernel, null, null, null, 1, Duration.ofSeconds(60), Accel.AUTO, Machine.MICROVM);
    }

    public VmSpec withTimeout(Duration t) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, t, accel, machine);
    }

    public VmSpec withAccel(Accel a) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, a, machine);
    }

    public VmSpec withAppend(String a) {
        return new VmSpec(image, kernel, initrd, a, memory, cpus, timeout, accel, machine);
    }

    public VmSpec withInitrd(Path i) {
        return new VmSpec(image, kernel, i, append, memory, cpus, timeout, accel, machine);
    }

    public VmSpec withMachine(Machine m) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, m);
    }
}
