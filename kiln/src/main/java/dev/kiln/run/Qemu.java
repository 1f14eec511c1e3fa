package dev.kiln.run;

import dev.kiln.KilnException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Builds QEMU command lines for microVM boots, and decides whether KVM can be used. */
public final class Qemu {
    static final String BINARY = "qemu-system-x86_64";
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    /** The result of the KVM check, kept for the life of the JVM (the probe boots a kernel). */
    private static volatile String kvmVerdict;

    private Qemu() {
    }

    /** Finds QEMU on PATH (or $KILN_QEMU), or explains how to install it. */
    public static Path find(String pathVariable) {
        String override = System.getenv("KILN_QEMU");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        if (pathVariable != null) {
            for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, BINARY))) {
                    return Path.of(dir, BINARY);
                }
            }
        }
        throw new KilnException(BINARY + ": not found on PATH; install QEMU (Debian/Ubuntu: apt-get install "
                + "qemu-system-x86, Fedora: dnf install qemu-system-x86-core, macOS: brew install qemu)");
    }

    /** The kernel command line: Kiln's part, then the user's. */
    static String append(VmSpec spec) {
        List<String> parts = new ArrayList<>(List.of("console=ttyS0"));
        if (spec.image() != null) {
            parts.addAll(List.of("root=/dev/vda", "rw"));
        } else if (!spec.append().contains("rdinit=")) {
            parts.add("rdinit=/sbin/init");
        }
        // reboot=t with -no-reboot: a guest "reboot" (what kiln-init does without ACPI) ends QEMU;
        // panic=-1 turns a panic into such a reboot
        parts.addAll(List.of("reboot=t", "panic=-1"));
        if (spec.machine() == VmSpec.Machine.MICROVM) {
            parts.add("acpi=off");
        }
        if (!spec.append().isBlank()) {
            parts.add(spec.append().trim());
        }
        return String.join(" ", parts);
    }

    static List<String> command(Path qemu, VmSpec spec, boolean kvm) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(qemu.toString()));
        cmd.addAll(spec.machine() == VmSpec.Machine.MICROVM
                ? List.of("-M", "microvm,acpi=off") : List.of("-M", "q35"));
        cmd.addAll(kvm ? List.of("-accel", "kvm", "-cpu", "host") : List.of("-accel", "tcg", "-cpu", "max"));
        cmd.addAll(List.of("-m", spec.memory(), "-smp", Integer.toString(spec.cpus()),
                "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot",
                "-kernel", spec.kernel().toString(), "-append", append(spec)));
        if (spec.initrd() != null) {
            cmd.addAll(List.of("-initrd", spec.initrd().toString()));
        }
        if (spec.image() != null) {
            String format = format(spec.image());
            if (spec.machine() == VmSpec.Machine.MICROVM) {
                cmd.addAll(List.of("-drive", "id=root,file=" + escape(spec.image()) + ",format=" + format + ",if=none",
                        "-device", "virtio-blk-device,drive=root"));
            } else {
                cmd.addAll(List.of("-drive", "file=" + escape(spec.image()) + ",format=" + format + ",if=virtio"));
            }
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

    /**
     * Whether KVM can run this kernel, or why not. /dev/kvm alone proves nothing: nested
     * hypervisors expose it while failing on real guests, so a VMX/SVM CPU flag is required and
     * then the kernel itself is booted once with no root disk; reaching the root mount (it panics
     * there, quickly) proves KVM works.
     */
    public static synchronized Optional<String> kvmUnusableReason(Path qemu, Path kernel) {
        if (kvmVerdict == null) {
            kvmVerdict = probeKvm(qemu, kernel);
        }
        return kvmVerdict.isEmpty() ? Optional.empty() : Optional.of(kvmVerdict);
    }

    private static String probeKvm(Path qemu, Path kernel) {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return "/dev/kvm does not exist";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return "/dev/kvm is not readable and writable by this user";
        }
        try {
            String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
            if (!cpuinfo.matches("(?s).*\\bflags\\s*:.*\\b(vmx|svm)\\b.*")) {
                return "the CPU has no vmx/svm flag (a nested or paravirtual KVM that cannot run a normal guest)";
            }
        } catch (IOException e) {
            return "/proc/cpuinfo: " + e.getMessage();
        }
        VmSpec probe = new VmSpec(null, kernel, null, "root=/dev/kiln-probe-none", "128M", 1, null,
                VmSpec.Accel.KVM, VmSpec.Machine.MICROVM);
        try {
            List<String> cmd = command(qemu, probe, true);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean ended = p.waitFor(8, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (out.contains("VFS:") || out.contains("Kernel panic")) {
                return "";
            }
            return "a KVM test boot did not reach the root mount within 8 s";
        } catch (IOException e) {
            return "KVM test boot: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
