package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.run.Arch;
import dev.kiln.run.GuestOverrides;
import dev.kiln.run.PortForward;
import dev.kiln.run.VmResult;
import dev.kiln.run.VmRunner;
import dev.kiln.run.VmSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        customSynopsis = "kiln run [IMAGE] --kernel FILE [OPTIONS] [-- CMD [ARG...]]",
        description = {"Boots an image under QEMU, prints its console and exits with the guest program's exit status.",
            "The architecture is the kernel's (x86_64: microvm, virtio-mmio; aarch64: virt, virtio-pci); "
                    + "-- CMD ARG..., -e, -u, -w and --entrypoint change the image's command for this boot only, "
                    + "as with docker run (they need kiln-init as the image's init).", ""},
        footer = {"", "On a terminal the console is interactive (a shell in the image works; Ctrl-C goes to the guest): "
                + "Ctrl-a x stops the VM (exit status 130), Ctrl-a Ctrl-a sends a Ctrl-a. Otherwise QEMU reads no input.",
            "With --net the guest has 10.0.2.15/24, gateway 10.0.2.2 (the host) and name server 10.0.2.3 "
                    + "(QEMU's user-mode network; /etc/resolv.conf is bind-mounted for the boot, the image's file is "
                    + "not changed).",
            "", "Examples:",
            "  kiln run rootfs.ext4 --kernel bzImage",
            "  kiln run rootfs.ext4 --kernel bzImage -e DEBUG=1 -- /bin/sh -c 'echo $DEBUG'",
            "  kiln run web.qcow2 --kernel bzImage -p 8080:80 --disk data.img",
            "  kiln run arm64.ext4 --kernel Image           # an aarch64 guest",
            "  kiln run --initrd root.cpio.gz --kernel bzImage -- /bin/sh",
            "", "Exit codes: the guest program's status; 124 on timeout; 130 after Ctrl-a x; 1 on a kernel panic, an image for another "
                + "architecture or a QEMU failure."})
public final class RunCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
    private static final Pattern ENV_NAME = Pattern.compile("[^=\\x00]+");

    @Spec
    CommandSpec commandSpec;

    @Parameters(arity = "0..*", paramLabel = "IMAGE", hideParamSyntax = true,
            description = "Root filesystem (raw ext4 or qcow2), attached as /dev/vda. May be left out with --initrd. "
                    + "After --: the command and its arguments (replaces the image's Cmd).")
    List<String> positionals = new ArrayList<>();

    @Option(names = "--kernel", paramLabel = "FILE", required = true,
            description = "Guest kernel: x86 bzImage or vmlinux, arm64 Image or Image.gz.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initramfs; without IMAGE the guest runs from it alone.")
    Path initrd;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME[=VALUE]",
            description = "Sets a variable of the program (repeatable); NAME alone passes this shell's value.")
    List<String> env = new ArrayList<>();

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Runs the program as this user.")
    String user;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "The program's working directory.")
    String workdir;

    @Option(names = "--entrypoint", paramLabel = "PROG",
            description = "Replaces the image's Entrypoint (and drops its Cmd unless -- CMD is given); '' empties it.")
    String entrypoint;

    @Option(names = "--disk", paramLabel = "FILE",
            description = "Attaches a drive (raw or qcow2) after the image: /dev/vdb, /dev/vdc... (repeatable).")
    List<Path> disks = new ArrayList<>();

    @Option(names = "--net", description = "User-mode networking: address, gateway and DNS configured at boot.")
    boolean net;

    @Option(names = {"-p", "--publish"}, paramLabel = "[IP:]HOST:GUEST[/udp]",
            description = "Forwards a host port to a guest port, as docker run -p does (repeatable; implies --net).")
    List<String> publish = new ArrayList<>();

    @Option(names = "--arch", paramLabel = "x86_64|aarch64",
            description = "The guest architecture; it must match the kernel's, which is read from the kernel file.")
    String arch;

    @Option(names = "--machine", paramLabel = "microvm|q35|virt",
            description = "QEMU machine. Default: microvm (x86_64), virt (aarch64).")
    String machine;

    @Option(names = "--append", paramLabel = "ARGS", description = "Extra kernel command line.")
    String append;

    @Option(names = "--mem", paramLabel = "SIZE", defaultValue = "512M", description = "Guest memory. Default: ${DEFAULT-VALUE}.")
    String memory;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "Guest CPUs. Default: ${DEFAULT-VALUE}.")
    int cpus;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Stop the guest after this long (500ms, 60s, 5m; 0 for never). Default: 60s, none on a terminal.")
    String timeout;

    @Option(names = "--accel", paramLabel = "auto|kvm|tcg", defaultValue = "auto",
            description = "auto uses KVM only after a test boot shows it works. Default: ${DEFAULT-VALUE}.")
    String accel;

    @Override
    public Integer call() throws Exception {
        VmSpec spec = spec(System.console() != null);
        VmResult result = new VmRunner(System.out, System.err, line -> { }).run(spec);
        String what = String.valueOf(spec.image() != null ? spec.image() : spec.initrd());
        switch (result.outcome()) {
            case TIMEOUT -> System.err.println("kiln: " + what + ": timed out after " + spec.timeout().toSeconds() + " s");
            case PANIC -> System.err.println("kiln: " + what + ": guest kernel panic: " + result.detail());
            case NOT_EXECUTABLE, QEMU_FAILED -> System.err.println("kiln: " + what + ": " + result.detail());
            case STOPPED -> {
                if (changesCommand()) {
                    System.err.println("kiln: " + what + ": the image's own init ran, not kiln-init, so -- CMD, -e, -u, "
                            + "-w and --entrypoint had no effect");
                }
            }
            default -> { }
        }
        return result.exitCode();
    }

    VmSpec spec(boolean interactive) {
        List<String> command = command();
        Path image = imageArgument();
        if (image == null && initrd == null) {
            throw new KilnException("run: give an IMAGE, an --initrd, or both");
        }
        List<Path> files = new ArrayList<>(List.of(kernel));
        if (image != null) {
            files.add(image);
        }
        if (initrd != null) {
            files.add(initrd);
        }
        files.addAll(disks);
        for (Path p : files) {
            if (!Files.isRegularFile(p)) {
                throw NotFound.file(p.toString());
            }
        }
        if (cpus < 1) {
            throw new KilnException("--cpus " + cpus + ": must be at least 1");
        }
        List<PortForward> ports = publish.stream().map(PortForward::parse).toList();
        List<String> guestEnv = environment(interactive);
        GuestOverrides overrides = new GuestOverrides(entrypoint == null ? null : List.of(entrypoint),
                command.isEmpty() ? null : command, guestEnv, user, workdir);
        Duration limit = timeout != null ? duration("--timeout", timeout) : interactive ? Duration.ZERO : Duration.ofSeconds(60);
        return new VmSpec(image, kernel, initrd, append, memory, cpus, limit, parse("--accel", accel, VmSpec.Accel.class),
                machine == null ? null : parse("--machine", machine, VmSpec.Machine.class),
                arch == null ? null : Arch.parse(arch), disks, net, ports, overrides, interactive);
    }

    /** Whether the user asked to change the image's command, environment or user for this boot. */
    private boolean changesCommand() {
        return !command().isEmpty() || !env.isEmpty() || user != null || workdir != null || entrypoint != null;
    }

    /** -e values; NAME alone takes this process's value (left out when unset, as docker does). */
    private List<String> environment(boolean interactive) {
        List<String> out = new ArrayList<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            String name = eq < 0 ? e : e.substring(0, eq);
            if (!ENV_NAME.matcher(name).matches() || e.indexOf('\0') >= 0) {
                throw new KilnException("-e " + e + ": expected NAME=VALUE or NAME");
            }
            if (eq >= 0) {
                out.add(e);
            } else if (System.getenv(name) != null) {
                out.add(name + "=" + System.getenv(name));
            }
        }
        // a shell on the console needs to know the terminal, as docker run -t tells it
        if (interactive && out.stream().noneMatch(e -> e.startsWith("TERM="))) {
            String term = System.getenv("TERM");
            out.add("TERM=" + (term == null || term.isBlank() || term.equals("dumb") ? "vt100" : term));
        }
        return out;
    }

    /**
     * Positionals before "--" name the image; everything after "--" is the command (picocli
     * makes every word after "--" a positional, so they are the last ones).
     */
    private int positionalsBeforeDashes() {
        List<String> args = commandSpec.commandLine().getParseResult().originalArgs();
        int dashes = args.indexOf("--");
        return dashes < 0 ? positionals.size() : positionals.size() - (args.size() - dashes - 1);
    }

    private Path imageArgument() {
        int before = positionalsBeforeDashes();
        if (before > 1) {
            throw new KilnException("run: " + String.join(" ", positionals.subList(0, before))
                    + ": one IMAGE only; put the command after --, as in: kiln run IMAGE -- CMD ARG...");
        }
        return before == 1 ? Path.of(positionals.get(0)) : null;
    }

    private List<String> command() {
        int before = positionalsBeforeDashes();
        return positionals.subList(Math.min(before, positionals.size()), positionals.size());
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
