package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.UnsupportedInput;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** A guest architecture: which QEMU runs it, on which machine, with which console. */
public enum Arch {
    X86_64("qemu-system-x86_64", "qemu-system-x86", "qemu-system-x86-core", "ttyS0"),
    AARCH64("qemu-system-aarch64", "qemu-system-arm", "qemu-system-aarch64-core", "ttyAMA0");

    final String qemuBinary;
    final String debianPackage;
    final String fedoraPackage;
    final String console;

    Arch(String qemuBinary, String debianPackage, String fedoraPackage, String console) {
        this.qemuBinary = qemuBinary;
        this.debianPackage = debianPackage;
        this.fedoraPackage = fedoraPackage;
        this.console = console;
    }

    /** microvm for x86_64 (Firecracker's device model), virt for aarch64. */
    VmSpec.Machine defaultMachine() {
        // a method, not a field: Machine's constants refer to Arch's, and enum initialization must not cycle
        return this == X86_64 ? VmSpec.Machine.MICROVM : VmSpec.Machine.VIRT;
    }

    /** The kernel's name (uname -m), as users write it. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Kernel names and OCI platform names: x86_64/amd64, aarch64/arm64. */
    public static Arch parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64", "x86-64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedInput("--arch " + name, "expected x86_64 (amd64) or aarch64 (arm64)");
        };
    }

    /**
     * The architecture of a kernel file, read from its header (see {@link KernelFile}): what a
     * caller checks an image against before anything boots.
     */
    public static Arch ofKernel(Path kernel) throws IOException {
        return KernelFile.identify(kernel).map(KernelFile.Kind::arch).orElseThrow(() -> new KilnException(kernel
                + ": not a kernel Kiln recognises (an x86 bzImage, an ELF vmlinux, or an arm64 Image or Image.gz)"));
    }

    /** This machine's architecture, or null when it is neither. */
    static Arch host() {
        try {
            return parse(System.getProperty("os.arch", ""));
        } catch (UnsupportedInput e) {
            return null;
        }
    }
}
