package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.guest.InitConf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds QEMU command lines for microVM boots. */
public final class Qemu {
    /** QEMU's user-mode network: the guest's address, its gateway (the host) and QEMU's DNS forwarder. */
    static final String GUEST_IP = "10.0.2.15";
    static final String GATEWAY = "10.0.2.2";
    static final String DNS = "10.0.2.3";

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    /** What a boot runs on, once the spec's defaults are resolved. */
    record Target(Arch arch, VmSpec.Machine machine, boolean kvm) {
    }

    private Qemu() {
    }

    /**
     * The guest architecture: the kernel's, read from its header; --arch must agree with it, and
     * is needed only for a kernel format Kiln does not recognise. The image's architecture is
     * checked by the kernel itself when it starts /sbin/init (see {@link VmRunner}).
     */
    static Arch arch(VmSpec spec) throws IOException {
        var kind = KernelFile.identify(spec.kernel());
        if (kind.isEmpty()) {
            if (spec.arch() != null) {
                return spec.arch();
            }
            throw new KilnException(spec.kernel() + ": not a kernel Kiln recognises (an x86 bzImage, an ELF vmlinux, "
                    + "or an arm64 Image or Image.gz); give --arch if it is one");
        }
        Arch arch = kind.get().arch();
        if (spec.arch() != null && spec.arch() != arch) {
            throw new KilnException(spec.kernel() + ": an " + arch + " kernel (" + kind.get().format() + "), but --arch is "
                    + spec.arch() + "; boot " + spec.arch() + " images with an " + spec.arch() + " kernel");
        }
        return arch;
    }

    static VmSpec.Machine machine(VmSpec spec, Arch arch) {
        VmSpec.Machine machine = spec.machine() != null ? spec.machine() : arch.defaultMachine();
        if (machine.arch != arch) {
            throw new KilnException("--machine " + machine + ": an " + machine.arch + " machine, but the guest is "
                    + arch + " (" + arch + " boots on " + arch.defaultMachine() + ")");
        }
        return machine;
    }

    /** Finds the architecture's QEMU on PATH, or explains how to install it. */
    public static Path find(Arch arch, String pathVariable) {
        if (pathVariable != null) {
            for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, arch.qemuBinary))) {
                    return Path.of(dir, arch.qemuBinary);
                }
            }
        }
        throw new NotFound(arch.qemuBinary, "", "on PATH; install QEMU (Debian/Ubuntu: apt-get install "
                + arch.debianPackage + ", Fedora: dnf install " + arch.fedoraPackage + ", macOS: brew install qemu)");
    }

    /** The kernel command line: Kiln's part, then the user's. */
    static String append(VmSpec spec, Target target) {
        List<String> parts = new ArrayList<>(List.of("console=" + target.arch().console));
        if (spec.image() != null) {
            parts.addAll(List.of("root=/dev/vda", "rw"));
        } else if (!spec.append().contains("rdinit=")) {
            parts.add("rdinit=/sbin/init");
        }
        if (target.arch() == Arch.X86_64) {
            // reboot=t with -no-reboot: a guest "reboot" (what kiln-init does without ACPI) ends
            // QEMU (arm64 always reboots through PSCI, which ends it too)
            parts.add("reboot=t");
        }
        parts.add("panic=-1"); // a panic becomes such a reboot
        if (target.machine() == VmSpec.Machine.MICROVM) {
            parts.add("acpi=off");
        }
        if (spec.net()) {
            // the kernel configures the interface before init starts: no DHCP client, no waiting
            // (ip=CLIENT:SERVER:GATEWAY:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0; DNS0 shows in /proc/net/pnp)
            parts.add("ip=" + GUEST_IP + "::" + GATEWAY + ":255.255.255.0::eth0:off:" + DNS);
        }
        if (!spec.append().isBlank()) {
            parts.add(spec.append().trim());
        }
        return String.join(" ", parts);
    }

    /**
     * @param runConfig the run config disk for kiln-init, or null; attached last, so the user's
     *                  disks keep /dev/vdb, /dev/vdc... (kiln-init finds it by its serial number)
     */
    static List<String> command(Path qemu, VmSpec spec, Target target, Path runConfig) throws IOException {
        VmSpec.Machine machine = target.machine();
        List<String> cmd = new ArrayList<>(List.of(qemu.toString()));
        String board = machine.toString();
        if (machine == VmSpec.Machine.MICROVM) {
            board += ",acpi=off";
        } else if (machine == VmSpec.Machine.VIRT && target.kvm()) {
            board += ",gic-version=host";
        }
        cmd.addAll(List.of("-M", board));
        cmd.addAll(target.kvm() ? List.of("-accel", "kvm", "-cpu", "host") : List.of("-accel", "tcg", "-cpu", "max"));
        // -display none rather than -nographic, which also turns on SeaBIOS's serial console (q35)
        cmd.addAll(List.of("-m", spec.memory(), "-smp", Integer.toString(spec.cpus()),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
        if (spec.interactive()) {
            // QEMU's multiplexer gives the Ctrl-a escapes (Ctrl-a x quits); signal=off sends
            // Ctrl-C to the guest instead of ending QEMU
            cmd.addAll(List.of("-chardev", "stdio,id=console,mux=on,signal=off", "-serial", "chardev:console"));
        } else {
            cmd.addAll(List.of("-serial", "stdio"));
        }
        cmd.addAll(List.of("-kernel", spec.kernel().toString(), "-append", append(spec, target)));
        if (spec.initrd() != null) {
            cmd.addAll(List.of("-initrd", spec.initrd().toString()));
        }
        List<Path> drives = new ArrayList<>();
        if (spec.image() != null) {
            drives.add(spec.image());
        }
        drives.addAll(spec.disks());
        for (int i = 0; i < drives.size(); i++) {
            Path drive = drives.get(i);
            String id = spec.image() != null && i == 0 ? "root" : "disk" + i;
            cmd.addAll(List.of("-drive", "id=" + id + ",file=" + escape(drive) + ",format=" + format(drive) + ",if=none",
                    "-device", machine.virtio("virtio-blk") + ",drive=" + id));
        }
        if (runConfig != null) {
            cmd.addAll(List.of("-drive", "id=kilnrun,file=" + escape(runConfig) + ",format=raw,if=none,readonly=on",
                    "-device", machine.virtio("virtio-blk") + ",drive=kilnrun,serial=" + InitConf.RUN_CONFIG_SERIAL));
        }
        if (spec.net()) {
            StringBuilder netdev = new StringBuilder("user,id=net0");
            spec.ports().forEach(p -> netdev.append(",hostfwd=").append(p.hostfwd()));
            // no option ROM: SeaBIOS would run iPXE's, which prints to the console and boots nothing
            cmd.addAll(List.of("-netdev", netdev.toString(),
                    "-device", machine.virtio("virtio-net") + ",netdev=net0" + (machine.pci ? ",romfile=" : "")));
        }
        return cmd;
    }

    /** QEMU option values use "," as separator; a literal comma is written twice. */
    private static String escape(Path p) {
        return p.toString().replace(",", ",,");
    }

    static String format(Path image) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            return Arrays.equals(in.readNBytes(4), QCOW2_MAGIC) ? "qcow2" : "raw";
        }
    }
}
