package dev.kiln.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One microVM boot.
 *
 * @param image       root filesystem (raw ext4 or qcow2) attached as /dev/vda, or null to boot the initrd alone
 * @param kernel      the guest kernel (x86 bzImage or vmlinux, arm64 Image or Image.gz)
 * @param initrd      an initramfs, or null
 * @param append      extra kernel command line, appended after Kiln's
 * @param memory      QEMU -m value, e.g. "512M"
 * @param timeout     how long the guest may run; zero means no limit
 * @param machine     the QEMU machine, or null for the architecture's default (microvm, virt)
 * @param arch        the guest architecture, or null to take the kernel's
 * @param disks       more drives, attached after the image (/dev/vdb, /dev/vdc...)
 * @param net         QEMU user-mode networking (10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3)
 * @param ports       host ports forwarded into the guest (imply {@code net})
 * @param overrides   the image's command, environment, user or working directory for this boot
 * @param interactive the console is the user's terminal: keyboard input goes to the guest
 */
public record VmSpec(Path image, Path kernel, Path initrd, String append, String memory, int cpus,
                     Duration timeout, Accel accel, Machine machine, Arch arch, List<Path> disks, boolean net,
                     List<PortForward> ports, GuestOverrides overrides, boolean interactive) {

    public enum Accel { AUTO, KVM, TCG }

    /** A QEMU machine type, the architecture it belongs to, and how devices attach to it. */
    public enum Machine {
        /** Firecracker's device model: no PCI, no ACPI, virtio-mmio devices. */
        MICROVM(Arch.X86_64, false),
        Q35(Arch.X86_64, true),
        /**
         * arm64's generic board. Its virtio-mmio slots are probed in the reverse order of the
         * command line, so devices attach over PCI, which keeps /dev/vda, /dev/vdb... in order.
         */
        VIRT(Arch.AARCH64, true);

        final Arch arch;
        final boolean pci;

        Machine(Arch arch, boolean pci) {
            this.arch = arch;
            this.pci = pci;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** A virtio device of this machine's transport: "virtio-blk" becomes virtio-blk-device or virtio-blk-pci. */
        String virtio(String device) {
            return device + (pci ? "-pci" : "-device");
        }
    }

    public VmSpec {
        append = append == null ? "" : append;
        memory = memory == null ? "512M" : memory;
        cpus = cpus <= 0 ? 1 : cpus;
        timeout = timeout == null ? Duration.ZERO : timeout;
        accel = accel == null ? Accel.AUTO : accel;
        disks = disks == null ? List.of() : List.copyOf(disks);
        ports = ports == null ? List.of() : List.copyOf(ports);
        net = net || !ports.isEmpty();
        overrides = overrides == null ? GuestOverrides.NONE : overrides;
    }

    /** A plain boot: the image's own command, no extra devices, not interactive. */
    public VmSpec(Path image, Path kernel, Path initrd, String append, String memory, int cpus,
                  Duration timeout, Accel accel, Machine machine) {
        this(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, null, null, false, null, null, false);
    }

    public static VmSpec of(Path image, Path kernel) {
        return new VmSpec(image, kernel, null, null, null, 1, Duration.ofSeconds(60), Accel.AUTO, null);
    }

    public VmSpec withTimeout(Duration t) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, t, accel, machine, arch, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withAccel(Accel a) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, a, machine, arch, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withAppend(String a) {
        return new VmSpec(image, kernel, initrd, a, memory, cpus, timeout, accel, machine, arch, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withInitrd(Path i) {
        return new VmSpec(image, kernel, i, append, memory, cpus, timeout, accel, machine, arch, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withMachine(Machine m) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, m, arch, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withArch(Arch a) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, a, disks, net, ports,
                overrides, interactive);
    }

    public VmSpec withDisks(List<Path> d) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, arch, d, net, ports,
                overrides, interactive);
    }

    public VmSpec withNet(boolean n, List<PortForward> p) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, arch, disks, n, p,
                overrides, interactive);
    }

    public VmSpec withOverrides(GuestOverrides o) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, arch, disks, net, ports,
                o, interactive);
    }

    public VmSpec withInteractive(boolean i) {
        return new VmSpec(image, kernel, initrd, append, memory, cpus, timeout, accel, machine, arch, disks, net, ports,
                overrides, i);
    }
}
