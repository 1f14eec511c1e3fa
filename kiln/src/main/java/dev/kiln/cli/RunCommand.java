package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.run.VmResult;
import dev.kiln.run.VmRunner;
import dev.kiln.run.VmSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Boots an image under QEMU (microvm, virtio-mmio), prints the console and exits with "
                + "the guest program's exit status.",
        footer = {"", "Exit codes: the guest program's status; 124 on timeout; 1 on a kernel panic or a QEMU failure."})
public final class RunCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE",
            description = "Root filesystem (raw ext4 or qcow2). May be left out with --initrd.")
    Path image;

    @Option(names = "--kernel", paramLabel = "FILE", required = true, description = "Guest kernel (bzImage or PVH vmlinux).")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initramfs; without IMAGE the guest runs from it alone.")
    Path initrd;

    @Option(names = "--append", paramLabel = "ARGS", description = "Extra kernel command line.")
    String append;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "512M", description = "Guest memory. Default: ${DEFAULT-VALUE}.")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "Guest CPUs. Default: ${DEFAULT-VALUE}.")
    int cpus;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "Stop the guest after this long (500ms, 60s, 5m; 0 for never). Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "auto uses KVM only after a test boot shows it works. Default: ${DEFAULT-VALUE}.")
    String accel;

    @Option(names = "--machine", paramLabel = "microvm|q35", defaultValue = "microvm",
            description = "QEMU machine. Default: ${DEFAULT-VALUE}.")
    String machine;

    @Override
    public Integer call() throws Exception {
        VmSpec spec = spec();
        VmResult result = new VmRunner(System.out, System.err, line -> { }).run(spec);
        switch (result.outcome()) {
            case TIMEOUT -> System.err.println("kiln: " + what(spec) + ": timed out after " + timeout);
            case PANIC -> System.err.println("kiln: " + what(spec) + ": guest kernel panic: " + result.detail());
            case QEMU_FAILED -> System.err.println("kiln: " + what(spec) + ": " + result.detail());
            default -> { }
        }
        return result.exitCode();
    }

    VmSpec spec() {
        if (image == null && initrd == null) {
            throw new KilnException("run: give an IMAGE, an --initrd, or both");
        }
        for (Path p : new Path[] {image, kernel, initrd}) {
            if (p != null && !Files.isRegularFile(p)) {
                throw new KilnException(p + ": no such file");
            }
        }
        if (cpus < 1) {
            throw new KilnException("--cpus " + cpus + ": must be at least 1");
        }
        return new VmSpec(image, kernel, initrd, append, memory, cpus, duration("--timeout", timeout),
                parse("--accel", accel, VmSpec.Accel.class), parse("--machine", machine, VmSpec.Machine.class));
    }

    private String what(VmSpec spec) {
        return String.valueOf(spec.image() != null ? spec.image() : spec.initrd());
    }

    static Duration duration(String option, String value) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new KilnException(option + " " + value + ": expected a duration like 500ms, 60s, 5m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    static <E extends Enum<E>> E parse(String option, String value, Class<E> type) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new KilnException(option + " " + value + ": expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}
