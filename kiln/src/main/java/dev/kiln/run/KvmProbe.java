package dev.kiln.run;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether KVM can run a kernel, or why not. /dev/kvm alone proves nothing: nested hypervisors
 * expose it while failing on real guests. So on x86 a VMX/SVM CPU flag is required, and then
 * the kernel itself is booted once with no root disk; reaching the root mount (it panics there,
 * quickly) proves KVM works. KVM runs only guests of the host's own architecture.
 */
final class KvmProbe {
    private static final int PROBE_SECONDS = 8;

    /** The verdict per architecture, kept for the life of the JVM (the probe boots a kernel); "" means usable. */
    private static final Map<Arch, String> VERDICTS = new EnumMap<>(Arch.class);

    private KvmProbe() {
    }

    static synchronized Optional<String> unusableReason(Path qemu, Path kernel, Arch arch) {
        String verdict = VERDICTS.computeIfAbsent(arch, a -> probe(qemu, kernel, a));
        return verdict.isEmpty() ? Optional.empty() : Optional.of(verdict);
    }

    private static String probe(Path qemu, Path kernel, Arch arch) {
        Arch host = Arch.host();
        if (host != arch) {
            return "it runs only guests of this machine's architecture ("
                    + (host == null ? System.getProperty("os.arch") : host) + "), and this one is " + arch;
        }
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return "/dev/kvm does not exist";
        }
        if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
            return "/dev/kvm is not readable and writable by this user";
        }
        if (arch == Arch.X86_64) {
            try {
                String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
                if (!cpuinfo.matches("(?s).*\\bflags\\s*:.*\\b(vmx|svm)\\b.*")) {
                    return "the CPU has no vmx/svm flag (a nested or paravirtual KVM that cannot run a normal guest)";
                }
            } catch (IOException e) {
                return "/proc/cpuinfo: " + e.getMessage();
            }
        }
        VmSpec probe = new VmSpec(null, kernel, null, "root=/dev/kiln-probe-none", "128M", 1, null, VmSpec.Accel.KVM, null);
        try {
            List<String> cmd = Qemu.command(qemu, probe, new Qemu.Target(arch, arch.defaultMachine(), true), null);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            boolean ended = p.waitFor(PROBE_SECONDS, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (out.contains("VFS:") || out.contains("Kernel panic")) {
                return "";
            }
            return "a KVM test boot did not reach the root mount within " + PROBE_SECONDS + " s";
        } catch (IOException e) {
            return "KVM test boot: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
