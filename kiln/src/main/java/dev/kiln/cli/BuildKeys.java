package dev.kiln.cli;

import dev.kiln.ext4.Ext4Limits;
import dev.kiln.guest.GuestConfig;
import dev.kiln.guest.MachineLayout;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.kiln.cli.Section.GENERAL;
import static dev.kiln.cli.Section.GUEST;
import static dev.kiln.cli.Section.OUTPUTS;
import static dev.kiln.cli.Section.REGISTRY;
import static dev.kiln.cli.Section.SIZING;
import static dev.kiln.cli.Section.SOURCE;
import static dev.kiln.cli.SpecKey.flagOnly;
import static dev.kiln.cli.SpecKey.items;
import static dev.kiln.cli.SpecKey.mapping;
import static dev.kiln.cli.SpecKey.value;

/**
 * Every option of {@code kiln build}, each declared once: its key in kiln.yaml, its flags,
 * kind, default, help and checks. Everything else (the spec file reader, the flags and their
 * help, --print-spec) works from this list; to add an option, declare it here, add it to
 * {@link #ALL} and use its value in {@link BuildSpec}.
 */
final class BuildKeys {
    // ---- Source ----
    static final SpecKey<String> IMAGE = value("image", Kinds.IMAGE).section(SOURCE)
            .positional("SOURCE", "What to build from (or image: in the spec file).");
    static final SpecKey<String> PLATFORM = value("platform", Kinds.TEXT).section(SOURCE)
            .flag("OS/ARCH[/VARIANT]", "Platform to pick from a multi-platform image. "
                    + "Default: linux and this machine's architecture.", "--platform");

    // ---- Build steps (issue 12): run: and copy: items, and the VM they run in ----
    static final SpecKey<String> RUN_COMMAND = value("command", Kinds.TEXT).required()
            .check(Kinds::hasNoNul, "contains a NUL byte").check(c -> !c.isBlank(), "is empty");
    static final SpecKey<String> RUN_USER = value("user", Kinds.TEXT).check(Kinds::hasNoNul, "contains a NUL byte");
    static final SpecKey<String> RUN_WORKDIR = value("workdir", Kinds.TEXT)
            .check(w -> w.startsWith("/") && Kinds.hasNoNul(w), "must be an absolute path");
    static final SpecKey<List<String>> RUN_ENV = value("env", Kinds.ENV);
    static final SpecKey<String> RUN_NETWORK = value("network", Kinds.choice("default", "none"));
    static final SpecKey<SpecMap> RUN = mapping("run", RUN_COMMAND, RUN_USER, RUN_WORKDIR, RUN_ENV, RUN_NETWORK)
            .shorthand(RUN_COMMAND);
    static final SpecKey<Path> COPY_SOURCE = value("source", Kinds.HOST_TREE).required();
    static final SpecKey<String> COPY_PATH = value("path", Kinds.TEXT).required()
            .check(p -> p.startsWith("/") && Kinds.hasNoNul(p) && !List.of(p.split("/")).contains(".."),
                    "must be an absolute path without ..");
    static final SpecKey<Long> COPY_UID = value("uid", Kinds.WHOLE_NUMBER).check(BuildKeys::isId, "not a user id");
    static final SpecKey<Long> COPY_GID = value("gid", Kinds.WHOLE_NUMBER).check(BuildKeys::isId, "not a group id");
    static final SpecKey<Integer> COPY_MODE = value("mode", Kinds.MODE);
    static final SpecKey<SpecMap> COPY = mapping("copy", COPY_SOURCE, COPY_PATH, COPY_UID, COPY_GID, COPY_MODE);
    static final SpecKey<List<SpecMap>> STEPS = items("steps", RUN, COPY).section(Section.STEPS)
            .checkMapping(step -> {
                if (step.has(RUN) == step.has(COPY)) {
                    throw new SpecProblem("give run or copy");
                }
            })
            .flag(Kinds.LIST, "CMD", "Runs CMD with /bin/sh -c as root in the image, booted in a microVM, before "
                    + "Kiln adds its files (repeatable: one step each, in order; replaces the spec's steps:). Output "
                    + "goes to stderr as [step N]; a failing step fails the build. Needs a kernel: --kernel, "
                    + "--kernel-image or $KILN_KERNEL.", "--run")
            .readFlags(BuildKeys::stepsFromFlags);
    static final SpecKey<Long> BUILD_CPUS = value("build-cpus", Kinds.WHOLE_NUMBER).section(Section.STEPS)
            .defaultValue(1L).check(n -> n >= 1 && n <= 64, "must be 1..64")
            .flag("N", "Virtual CPUs of the VM that runs the steps.", "--build-cpus");
    static final SpecKey<String> BUILD_MEM = value("build-mem", Kinds.SIZE).section(Section.STEPS).defaultValue("1G")
            .check(m -> ByteSize.bytes(m) >= dev.kiln.steps.StepPlan.MIN_MEMORY, "less than 128M")
            .flag("SIZE", "Memory of the VM that runs the steps.", "--build-mem");
    static final SpecKey<java.time.Duration> STEP_TIMEOUT = value("step-timeout", Kinds.DURATION)
            .section(Section.STEPS)
            .flag("DURATION", "Stop a step (and fail the build) after this long: 90s, 30m, 2h. Default: no limit.",
                    "--step-timeout");
    static final SpecKey<String> STEP_NETWORK = value("step-network", Kinds.choice("default", "none"))
            .section(Section.STEPS).defaultValue("default")
            .flag("default|none", "Network of run steps that do not set their own (network: in a step): "
                    + "default is QEMU's user-mode NAT with DNS; none has no network device.", "--step-network");
    static final SpecKey<Boolean> STEP_CACHE = value("step-cache", Kinds.BOOLEAN).section(Section.STEPS)
            .defaultValue(true)
            .flagMeaning(false, "Run every step again instead of taking its result from the step cache "
                    + "(the new results are cached).", "--no-cache");

    // ---- Outputs ----
    static final SpecKey<String> OUTPUT_FORMAT = value("format", Kinds.choice(
            Arrays.stream(OutputFormat.values()).map(OutputFormat::toString).toArray(String[]::new)));
    static final SpecKey<Path> OUTPUT_PATH = value("path", Kinds.OUTPUT_PATH).required();
    static final SpecKey<String> OUTPUT_COMPRESS = value("compress", Kinds.choice("gzip", "zstd", "none"));
    static final SpecKey<List<SpecMap>> OUTPUT_LIST = items("outputs", OUTPUT_FORMAT, OUTPUT_PATH, OUTPUT_COMPRESS)
            .section(OUTPUTS)
            .flag(Kinds.OUTPUT_PATH, "FILE", "Where to write the image; its name says the format: .ext4, .img, "
                    + ".raw ext4; .qcow2; .cpio, .cpio.gz, .cpio.zst initramfs; .tar, .tar.gz, .tar.zst tar; any other "
                    + "name ext4. '-' is standard output, for tar and initramfs (-o - --format tar).", "-o", "--output")
            .flag(Kinds.LIST, "FORMAT[=PATH]", "Also write FORMAT (repeatable): ext4, qcow2, initramfs, "
                    + "kernel+initrd, tar. Without PATH, the path is -o's with the format's suffix (rootfs.qcow2, "
                    + "rootfs.cpio.gz, rootfs-boot/, rootfs.tar), or -o's own output when its name says FORMAT. "
                    + "Without -o, only the --format outputs are written. PATH - is standard output, for tar and "
                    + "initramfs. A PATH whose name says another format is an error.", "--format")
            .flag(OUTPUT_COMPRESS.kind(), "gzip|zstd|none", "Compression of initramfs, kernel+initrd's initrd.img "
                    + "and tar outputs. Default: from the output's name (.cpio.zst, .tar.gz), else gzip for "
                    + "initramfs, none for tar; a name that says another is an error.", "--compress")
            .readFlags(BuildKeys::outputsFromFlags);

    static final SpecKey<Path> KERNEL_PATH = value("path", Kinds.HOST_FILE)
            .flag("FILE", "Kernel for kernel+initrd and for the VM of build steps. Default: for kernel+initrd the "
                    + "image's /kernel or /boot/vmlinuz*, for steps $KILN_KERNEL.", "--kernel");
    static final SpecKey<String> KERNEL_IMAGE = value("image", Kinds.IMAGE)
            .flag("REF", "Take the kernel (kernel+initrd's, and the build steps' VM's) from this image's /kernel or "
                    + "/boot/vmlinuz* (LinuxKit style).",
                    "--kernel-image");
    static final SpecKey<String> KERNEL_CMDLINE = value("cmdline", Kinds.TEXT)
            .flag("ARGS", "Appended to kernel+initrd's cmdline (" + OutputPlan.KernelSpec.DEFAULT_CMDLINE + ").",
                    "--cmdline");
    static final SpecKey<SpecMap> KERNEL = mapping("kernel", KERNEL_PATH, KERNEL_IMAGE, KERNEL_CMDLINE)
            .section(OUTPUTS).atMostOne(KERNEL_PATH, KERNEL_IMAGE);

    static final SpecKey<Boolean> STRICT = value("strict", Kinds.BOOLEAN).section(OUTPUTS)
            .flagMeaning(true, "Fail when an output cannot keep something (xattrs in an initramfs).", "--strict");

    // ---- Sizing and the filesystem ----
    static final SpecKey<String> SIZE = value("size", Kinds.SIZE).section(SIZING)
            .check(size -> ByteSize.bytes(size) <= Ext4Limits.MAX_SIZE_BYTES, "larger than 16 TiB, the largest ext4 "
                    + "image Kiln writes (block numbers must fit 32 bits)")
            .flag("N[K|M|G|T]", "Exact image size, at most 16T; fails when the content does not fit. "
                    + "Default: fit the content plus headroom (at most 1T).", "--size");
    static final SpecKey<Double> HEADROOM = value("headroom", Kinds.NUMBER).section(SIZING).defaultValue(25.0)
            .check(h -> Double.isFinite(h) && h >= 0, "must be a percentage, 0 or more")
            .flag("PERCENT", "Free space added when sizing to fit, in percent of the content (at least 64 MiB).",
                    "--headroom");
    static final SpecKey<Long> INODES = value("inodes", Kinds.WHOLE_NUMBER).section(SIZING)
            .check(n -> n >= 0 && n <= Ext4Limits.MAX_INODES, "must be 0.." + Ext4Limits.MAX_INODES
                    + " (ext4 holds at most " + Ext4Limits.MAX_INODES_PER_GROUP + " inodes per block group, and a "
                    + "32-bit inode count)")
            .flag("N", "Inode count, at most 4292870144 (32,768 per 128 MiB group). "
                    + "Default: derived from the content.", "--inodes");
    static final SpecKey<String> LABEL = value("label", Kinds.TEXT).section(SIZING).defaultValue("kiln-rootfs")
            .check(l -> l.getBytes(StandardCharsets.UTF_8).length <= 16, "longer than 16 bytes")
            .flag("LABEL", "Volume label (at most 16 bytes).", "--label");
    static final SpecKey<Boolean> JOURNAL = value("journal", Kinds.BOOLEAN).section(SIZING).defaultValue(true)
            .flagMeaning(false, "Do not create a jbd2 journal.", "--no-journal");

    // ---- Booting: init, agent, image config, files ----
    /** A single value is the init mode; a list, the init images of a composed machine ({@link InitChoice}). */
    static final SpecKey<InitChoice> INIT = value("init", InitChoice.KIND).section(GUEST)
            .defaultValue(InitChoice.mode("auto"))
            .flag("auto|kiln|none", "auto: keep the image's own init system (systemd, OpenRC, busybox init) when it "
                    + "has one and its Entrypoint/Cmd is empty or that init, and the root holds no composed machine; "
                    + "else install kiln-init as /sbin/init. kiln: always kiln-init. none: no init (/etc/kiln is still "
                    + "written; --bare adds nothing at all).", "--init")
            .flag(Kinds.LIST, "REF", "An image merged into the root before SOURCE, in order, a later one winning "
                    + "(repeatable; init: [REF...] in the spec file); kiln-init is then the init.", "--init-image")
            .readFlags(BuildKeys::initFromFlags);

    /** Nothing added to the source's tree: a faithful conversion (checked against the other guest keys in BuildSpec). */
    static final SpecKey<Boolean> BARE = value("bare", Kinds.BOOLEAN).section(GUEST)
            .flagMeaning(true, "Exactly the source's tree, nothing added but the filesystem's lost+found: no init, "
                    + "no /etc/kiln, no agent or files (for a plain conversion, as tar2ext4 does). Not with the "
                    + "options below, --init kiln|auto, --run or initramfs outputs (they add /init).", "--bare");

    static final SpecKey<Path> AGENT_PATH = value("path", Kinds.HOST_FILE);
    static final SpecKey<String> AGENT_DEST = value("dest", Kinds.TEXT)
            .check(GuestConfig::isAbsoluteFilePath, "must be an absolute file path without ..");
    static final SpecKey<List<String>> AGENT_ARGS = value("args",
                    Kinds.LIST.each(Kinds::hasNoNul, "contains a NUL byte"))
            .flag("ARG", "An argument of the agent (repeatable).", "--agent-arg");
    static final SpecKey<List<String>> AGENT_ENV = value("env", Kinds.ENV)
            .flag("NAME=VALUE", "Environment of the agent (repeatable).", "--agent-env");
    static final SpecKey<SpecMap> AGENT = mapping("agent", AGENT_PATH, AGENT_DEST, AGENT_ARGS, AGENT_ENV)
            .section(GUEST).shorthand(AGENT_PATH).replacedTogether(AGENT_PATH, AGENT_DEST)
            .flag(Kinds.TEXT, "FILE[:DEST]", "A guest agent started at boot and restarted when it exits. "
                    + "Default DEST: " + GuestConfig.DEFAULT_AGENT_DEST + ".", "--agent")
            .readFlags(BuildKeys::agentFromFlags);

    static final SpecKey<Path> SCRIPT = value("script", Kinds.HOST_FILE).section(GUEST)
            .flag("FILE", "Run once at boot before the main program; output prefixed on the console.", "--script");

    static final SpecKey<String> FILE_PATH = value("path", Kinds.TEXT).required()
            .check(GuestConfig::isAbsoluteFilePath, "must be an absolute file path without ..");
    static final SpecKey<Path> FILE_SOURCE = value("source", Kinds.HOST_FILE);
    static final SpecKey<String> FILE_CONTENTS = value("contents", Kinds.TEXT);
    static final SpecKey<String> FILE_SYMLINK = value("symlink", Kinds.TEXT);
    static final SpecKey<Boolean> FILE_DIRECTORY = value("directory", Kinds.BOOLEAN);
    static final SpecKey<Integer> FILE_MODE = value("mode", Kinds.MODE);
    static final SpecKey<Long> FILE_UID = value("uid", Kinds.WHOLE_NUMBER).check(BuildKeys::isId, "not a user id");
    static final SpecKey<Long> FILE_GID = value("gid", Kinds.WHOLE_NUMBER).check(BuildKeys::isId, "not a group id");
    static final SpecKey<List<SpecMap>> FILES = items("files", FILE_PATH, FILE_SOURCE, FILE_CONTENTS, FILE_SYMLINK,
            FILE_DIRECTORY, FILE_MODE, FILE_UID, FILE_GID).section(GUEST)
            .checkMapping(f -> {
                int kinds = (f.has(FILE_SOURCE) ? 1 : 0) + (f.has(FILE_CONTENTS) ? 1 : 0)
                        + (f.has(FILE_SYMLINK) ? 1 : 0) + (Boolean.TRUE.equals(f.get(FILE_DIRECTORY)) ? 1 : 0);
                if (kinds != 1) {
                    throw new SpecProblem(f.get(FILE_PATH),
                            "give exactly one of a source file, contents, a symlink target or directory");
                }
            })
            .flag(Kinds.LIST, "SRC:DEST[:MODE[:UID:GID]]", "Copies a host file into the image (repeatable); MODE in "
                    + "octal.", "--file")
            .readFlags(BuildKeys::filesFromFlags);

    static final SpecKey<List<String>> ENV = value("env", Kinds.ENV).section(GUEST)
            .flag("NAME=VALUE", "Sets a variable of the main program (repeatable).", "--env");
    static final SpecKey<String> HOSTNAME = value("hostname", Kinds.TEXT).section(GUEST)
            .check(GuestConfig::isHostname, "not a valid host name")
            .flag("NAME", "Writes /etc/hostname and /etc/hosts.", "--hostname");
    static final SpecKey<List<String>> DNS = value("dns", Kinds.LIST.each(GuestConfig::isNameServer,
            "not an IP address")).section(GUEST)
            .flag("IP", "Name server for /etc/resolv.conf (repeatable).", "--dns");
    static final SpecKey<List<String>> ENTRYPOINT = value("entrypoint", Kinds.ARGV).section(GUEST)
            .flag("ARG", "Replaces the image's Entrypoint (and clears its Cmd). Repeat for more arguments, "
                    + "or give a JSON array; an empty string clears it.", "--entrypoint");
    static final SpecKey<List<String>> CMD = value("cmd", Kinds.ARGV).section(GUEST)
            .flag("ARG", "Replaces the image's Cmd. Repeat for more arguments, or give a JSON array; "
                    + "an empty string clears it.", "--cmd");
    static final SpecKey<String> USER = value("user", Kinds.TEXT).section(GUEST)
            .flag("USER[:GROUP]", "Replaces the image's User (names or ids).", "--user");
    static final SpecKey<String> WORKDIR = value("workdir", Kinds.TEXT).section(GUEST)
            .flag("DIR", "Replaces the image's WorkingDir.", "--workdir");

    // ---- A composed machine (issue 13): containers run by kiln-init; init images are init: above ----
    static final ContainerKeys ONBOOT = ContainerKeys.of(MachineLayout.Kind.ONBOOT);
    static final ContainerKeys SERVICES = ContainerKeys.of(MachineLayout.Kind.SERVICE);
    static final ContainerKeys ONSHUTDOWN = ContainerKeys.of(MachineLayout.Kind.ONSHUTDOWN);
    /** The three lists, in the order kiln-init runs them. */
    static final List<ContainerKeys> CONTAINER_LISTS = List.of(ONBOOT, SERVICES, ONSHUTDOWN);
    static final SpecKey<String> ONBOOT_FAILURE = value("onboot_failure", Kinds.choice("continue", "poweroff"))
            .section(GUEST).defaultValue("continue")
            .flag("continue|poweroff", "What a failed onboot container does to a composed machine: continue "
                    + "booting, or poweroff (onshutdown still runs; the machine's status is the container's).",
                    "--onboot-failure");

    // ---- Registries (command line only) ----
    static final SpecKey<String> CREDS = flagOnly(Kinds.TEXT).section(REGISTRY)
            .flag("USER:PASS", "Registry credentials (overrides docker/podman config).", "--creds");
    static final SpecKey<List<String>> INSECURE_REGISTRIES = flagOnly(Kinds.LIST).section(REGISTRY)
            .flag("HOST[:PORT]", "Allow plain HTTP to this registry (repeatable).", "--insecure-registry");
    static final SpecKey<Path> CA_CERT = flagOnly(Kinds.PLAIN_PATH).section(REGISTRY)
            .flag("FILE", "Extra CA certificate (PEM) to trust for registries.", "--ca-cert");
    static final SpecKey<Path> CACHE_DIR = flagOnly(Kinds.PLAIN_PATH).section(REGISTRY)
            .flag("DIR", "Blob cache. Default: $XDG_CACHE_HOME/kiln.", "--cache-dir");

    // ---- General (command line only) ----
    static final SpecKey<Path> SPEC_FILE = flagOnly(Kinds.PLAIN_PATH).section(GENERAL)
            .flag("KILN.YAML", "A kiln.yaml spec file holding any of these options; flags given too win over it.",
                    "-f", "--spec");
    static final SpecKey<Boolean> PRINT_SPEC = flagOnly(Kinds.BOOLEAN).section(GENERAL)
            .flagMeaning(true, "Print the resolved spec (file and flags) as YAML and exit.", "--print-spec");
    static final SpecKey<Boolean> JSON = flagOnly(Kinds.BOOLEAN).section(GENERAL)
            .flagMeaning(true, "When the build succeeds, print its result as one JSON object on standard output: "
                    + "every output (format, path, size, sha256; ext4 and qcow2 images are read once more for it), "
                    + "the resolved image (manifest and config digests, platform), the filesystem, timings. "
                    + "Progress stays on standard error. Not with an output to standard output (-o -).", "--json");
    static final SpecKey<Boolean> QUIET = flagOnly(Kinds.BOOLEAN).section(GENERAL)
            .flagMeaning(true, "No progress output.", "-q", "--quiet");

    /** Every key of kiln build, in the order --print-spec writes them (help groups them by section). */
    static final List<SpecKey<?>> ALL = List.of(IMAGE, PLATFORM,
            STEPS, BUILD_CPUS, BUILD_MEM, STEP_TIMEOUT, STEP_NETWORK, STEP_CACHE,
            OUTPUT_LIST, KERNEL, STRICT,
            SIZE, HEADROOM, INODES, LABEL, JOURNAL,
            INIT, BARE, AGENT, SCRIPT, FILES, ENV, HOSTNAME, DNS, ENTRYPOINT, CMD, USER, WORKDIR,
            ONBOOT.list, SERVICES.list, ONSHUTDOWN.list, ONBOOT_FAILURE,
            CREDS, INSECURE_REGISTRIES, CA_CERT, CACHE_DIR, SPEC_FILE, PRINT_SPEC, JSON, QUIET);

    /** What kiln inspect and kiln pull take: how to find and fetch an image. */
    static final List<SpecKey<?>> FETCHING = List.of(PLATFORM, CREDS, INSECURE_REGISTRIES, CA_CERT, CACHE_DIR, QUIET);

    private BuildKeys() {
    }

    private static boolean isId(long id) {
        return id >= 0 && id <= Ext4Limits.MAX_ID;
    }

    /** --init MODE or --init-image REF... (not both): the two shapes of init:. */
    private static void initFromFlags(SpecKey.FlagValues given, SpecMap into) {
        List<String> mode = given.texts(INIT.flag("--init"));
        List<String> images = given.texts(INIT.flag("--init-image"));
        if (mode != null && images != null) {
            throw new Origin.OnCommandLine("--init-image", images)
                    .error(new SpecProblem("give --init or --init-image, not both (init images mean kiln-init)"));
        }
        if (mode != null) {
            Origin origin = new Origin.OnCommandLine("--init", mode);
            try {
                into.put(INIT, INIT.fromFlag(mode, given.base()), origin);
            } catch (SpecProblem p) {
                throw origin.error(p);
            }
        } else if (images != null) {
            into.put(INIT, InitChoice.images(images.stream().map(r -> Kinds.resolveImage(r, given.base())).toList()),
                    new Origin.OnCommandLine("--init-image", images));
        }
    }

    /** --agent FILE[:DEST] sets the agent's path and destination (the default one when DEST is left out). */
    private static void agentFromFlags(SpecKey.FlagValues given, SpecMap into) {
        List<String> texts = given.texts(AGENT.flag("--agent"));
        if (texts == null) {
            return;
        }
        String text = texts.get(0);
        int colon = text.indexOf(':');
        Origin origin = new Origin.OnCommandLine("--agent", texts);
        try {
            into.put(AGENT_PATH, AGENT_PATH.fromFlag(List.of(colon < 0 ? text : text.substring(0, colon)),
                    given.base()), origin);
            if (colon >= 0) {
                into.put(AGENT_DEST, AGENT_DEST.fromFlag(List.of(text.substring(colon + 1)), given.base()), origin);
            }
        } catch (SpecProblem p) {
            throw origin.error(p);
        }
    }

    /** Each --file SRC:DEST[:MODE[:UID:GID]] is an item of files:. */
    private static void filesFromFlags(SpecKey.FlagValues given, SpecMap into) {
        List<String> texts = given.texts(FILES.flag("--file"));
        if (texts == null) {
            return;
        }
        List<SpecMap> items = new ArrayList<>();
        for (String text : texts) {
            Origin origin = new Origin.OnCommandLine("--file", List.of(text));
            String[] parts = text.split(":", -1);
            SpecMap item = SpecMap.of(FILES, origin);
            try {
                if (parts.length != 2 && parts.length != 3 && parts.length != 5) {
                    throw new SpecProblem("expected SRC:DEST[:MODE[:UID:GID]]");
                }
                put(item, FILE_SOURCE, parts[0], given, origin);
                put(item, FILE_PATH, parts[1], given, origin);
                if (parts.length >= 3) {
                    put(item, FILE_MODE, parts[2], given, origin);
                }
                if (parts.length == 5) {
                    put(item, FILE_UID, parts[3], given, origin);
                    put(item, FILE_GID, parts[4], given, origin);
                }
            } catch (SpecProblem p) {
                throw origin.error(p);
            }
            items.add(item);
        }
        into.put(FILES, List.copyOf(items), new Origin.OnCommandLine("--file", texts));
    }

    /** Each --run CMD is a run: item of steps:, in the order given. */
    private static void stepsFromFlags(SpecKey.FlagValues given, SpecMap into) {
        List<String> texts = given.texts(STEPS.flag("--run"));
        if (texts == null) {
            return;
        }
        List<SpecMap> items = new ArrayList<>();
        for (String text : texts) {
            Origin origin = new Origin.OnCommandLine("--run", List.of(text));
            SpecMap item = SpecMap.of(STEPS, origin);
            try {
                put(item, RUN_COMMAND, text, given, origin);
            } catch (SpecProblem p) {
                throw origin.error(p);
            }
            items.add(item);
        }
        into.put(STEPS, List.copyOf(items), new Origin.OnCommandLine("--run", texts));
    }

    /** One part of a flag's text (the MODE of --file) as the value of {@code key}; a problem names the part. */
    private static <T> void put(SpecMap item, SpecKey<T> key, String part, SpecKey.FlagValues given, Origin origin) {
        try {
            item.put(key, key.fromFlag(List.of(part), given.base()), origin);
        } catch (SpecProblem p) {
            throw p.subject() != null ? p : new SpecProblem(key.name() + " " + part, p.getMessage());
        }
    }

    /**
     * -o, --format and --compress together make the list of outputs; --compress alone changes
     * nothing (it applies to the outputs those two name).
     */
    private static void outputsFromFlags(SpecKey.FlagValues given, SpecMap into) {
        List<String> output = given.texts(OUTPUT_LIST.flag("--output"));
        List<String> formats = given.texts(OUTPUT_LIST.flag("--format"));
        List<String> compress = given.texts(OUTPUT_LIST.flag("--compress"));
        Compression compression = compress == null ? null : Compression.parse(compress.get(0));
        if (output == null && formats == null) {
            return;
        }
        OutputOptions options = new OutputOptions(formats == null ? List.of() : formats,
                compress == null ? null : compress.get(0));
        Origin origin = new Origin.OnCommandLine(output != null ? "--output" : "--format",
                output != null ? output : formats);
        List<SpecMap> items = new ArrayList<>();
        for (OutputSpec s : options.outputs(output == null ? null : Path.of(output.get(0)))) {
            SpecMap item = SpecMap.of(OUTPUT_LIST, origin);
            item.put(OUTPUT_FORMAT, s.format().toString(), origin);
            item.put(OUTPUT_PATH, s.toStdout() ? s.path() : given.base().resolve(s.path()).normalize(), origin);
            if (compression != null && s.compression() != null) {
                item.put(OUTPUT_COMPRESS, s.compression().toString(), origin);
            }
            items.add(item);
        }
        into.put(OUTPUT_LIST, List.copyOf(items), origin);
    }
}
