package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputNames;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.steps.Step;
import dev.kiln.steps.StepPlan;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything one build is told: the options of a kiln.yaml spec file, typed, for
 * {@link Kiln#build}. Make one with {@link #builder(String)}; every setter but the source and
 * one output may be left out, and then means what leaving the key out of kiln.yaml means.
 * A value Kiln cannot use fails with a {@link KilnException} whose message starts with the
 * option or value it is about, from {@link Builder#build()} or, at the latest, from
 * {@link Kiln#build} before any output is written.
 */
public final class BuildOptions {
    private final BuildRequest request;
    private final PrintStream log;
    private final boolean progress;
    private final OutputStream standardOutput;
    private final boolean digestImages;

    private BuildOptions(BuildRequest request, PrintStream log, boolean progress, OutputStream standardOutput,
                         boolean digestImages) {
        this.request = request;
        this.digestImages = digestImages;
        this.log = log;
        this.progress = progress;
        this.standardOutput = standardOutput;
    }

    /** A builder for a build of {@code source}: any SOURCE form of kiln build ({@code tar:FILE}, {@code oci:DIR:TAG}, a registry reference...). */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    /** The source as given (null for a composed machine without a main image). */
    public String source() {
        return request.source();
    }

    /** The options resolved into what the pipeline runs: every output, the guest stage's settings, the steps. */
    public BuildRequest request() {
        return request;
    }

    PrintStream log() {
        return log;
    }

    boolean quiet() {
        return !progress;
    }

    OutputStream standardOutput() {
        return standardOutput;
    }

    boolean digestImages() {
        return digestImages;
    }

    /** Sets the options of one build, grouped as {@code kiln build --help} groups them. */
    public static final class Builder {
        private String source;
        // source and registries
        private String platform;
        private String credentials;
        private final List<String> insecureRegistries = new ArrayList<>();
        private Path caCertificate;
        private Path cacheDirectory;
        // outputs
        private final List<OutputSpec> outputs = new ArrayList<>();
        private boolean strict;
        private Path kernel;
        private String kernelImage;
        private String cmdline;
        // sizing
        private Ext4Options ext4 = Ext4Options.defaults().withHeadroom(0.25, 64L << 20);
        // guest
        private GuestConfig.Builder guest = GuestConfig.builder();
        private GuestConfig guestConfig;
        private MachineSpec machine;
        // steps
        private final List<Step> steps = new ArrayList<>();
        private int buildCpus = 1;
        private long buildMemory = StepPlan.DEFAULT_MEMORY;
        private Duration stepTimeout;
        private boolean stepNetwork = true;
        private boolean stepCache = true;
        private StepPlan stepPlan;
        // general
        private long sourceDateEpoch;
        private PrintStream log = new PrintStream(OutputStream.nullOutputStream());
        private boolean progress;
        private OutputStream standardOutput = new FileOutputStream(FileDescriptor.out);
        private boolean digestImages;

        private Builder(String source) {
            this.source = source;
        }

        // ---- Source and registries ----

        /** The image to build from, as {@link BuildOptions#builder(String)} takes it. */
        public Builder source(String value) {
            source = value;
            return this;
        }

        /** The platform to pick from a multi-platform image, "os/arch[/variant]". Default: linux and this machine's architecture. */
        public Builder platform(String value) {
            platform = value;
            return this;
        }

        /** Registry credentials "USER:PASS"; default: the docker/podman configuration's. */
        public Builder credentials(String value) {
            credentials = value;
            return this;
        }

        /** Allows plain HTTP to this registry, "HOST[:PORT]" (call once per registry). */
        public Builder insecureRegistry(String hostAndPort) {
            insecureRegistries.add(hostAndPort);
            return this;
        }

        /** An extra CA certificate (PEM) to trust for registries. */
        public Builder caCertificate(Path value) {
            caCertificate = value;
            return this;
        }

        /** The blob cache; default {@code $XDG_CACHE_HOME/kiln}. */
        public Builder cacheDirectory(Path value) {
            cacheDirectory = value;
            return this;
        }

        // ---- Outputs ----

        /**
         * Writes an output whose format its name says, as {@code -o} does: .ext4, .img, .raw ext4;
         * .qcow2; .cpio[.gz|.zst] initramfs; .tar[.gz|.zst] tar; any other name ext4.
         */
        public Builder output(Path path) {
            return output(null, path, null);
        }

        /**
         * Writes {@code format} to {@code path}.
         *
         * @param format      ext4, qcow2, initramfs, kernel+initrd or tar; null: from the name, as {@link #output(Path)}
         * @param path        the file (a directory for kernel+initrd); {@code -} is {@link #standardOutput} (tar, initramfs)
         * @param compression gzip, zstd or none for initramfs and tar (ignored for the others); null: from the
         *                    name, else the format's default (gzip for initramfs, none for tar)
         */
        public Builder output(String format, Path path, String compression) {
            if (path == null) {
                throw new KilnException("output: no path");
            }
            OutputFormat f = format != null ? OutputFormat.parse("output " + path, format.toLowerCase(Locale.ROOT))
                    : OutputNames.of(path).map(OutputNames.Named::format).orElse(OutputFormat.EXT4);
            Compression c = compression == null || f.fromExt4() ? null : Compression.parse(compression);
            outputs.add(new OutputSpec(f, path, c));
            return this;
        }

        /**
         * Also computes the sha256 of ext4 and qcow2 outputs for {@link BuildResult.Output#sha256()}
         * (one more read of each image); default false, and those digests are null.
         */
        public Builder digestImages(boolean value) {
            digestImages = value;
            return this;
        }

        /** Fails when an output cannot keep something (xattrs in an initramfs) instead of warning. */
        public Builder strict(boolean value) {
            strict = value;
            return this;
        }

        /** The kernel of kernel+initrd outputs and of the build steps' VM. */
        public Builder kernel(Path file) {
            kernel = file;
            return this;
        }

        /** Takes the kernel (kernel+initrd's, the steps' VM's) from this image's /kernel or /boot/vmlinuz*. */
        public Builder kernelImage(String reference) {
            kernelImage = reference;
            return this;
        }

        /** Appended to kernel+initrd's kernel command line. */
        public Builder cmdline(String value) {
            cmdline = value;
            return this;
        }

        /** Where an output named {@code -} goes; default this process's standard output. */
        public Builder standardOutput(OutputStream value) {
            standardOutput = value;
            return this;
        }

        // ---- Sizing and the filesystem ----

        /** The exact image size in bytes (at most 16 TiB); default: the content plus headroom. */
        public Builder sizeBytes(long value) {
            ext4 = ext4.withSizeBytes(value);
            return this;
        }

        /** Free space added when sizing to fit, in percent of the content (at least 64 MiB); default 25. */
        public Builder headroomPercent(double value) {
            if (!Double.isFinite(value) || value < 0) {
                throw new KilnException("headroom " + value + ": must be a percentage, 0 or more");
            }
            ext4 = ext4.withHeadroom(value / 100.0, 64L << 20);
            return this;
        }

        /** The inode count; default (0): derived from the content. */
        public Builder inodes(long value) {
            ext4 = ext4.withInodeCount(value);
            return this;
        }

        /** The volume label, at most 16 bytes; default kiln-rootfs. */
        public Builder label(String value) {
            ext4 = ext4.withLabel(value);
            return this;
        }

        /** Whether to create a jbd2 journal; default true. */
        public Builder journal(boolean value) {
            ext4 = ext4.withJournal(value);
            return this;
        }

        // ---- Guest: init, agent, image config, files ----

        /** auto (the default), kiln or none, as {@code --init}. */
        public Builder init(String mode) {
            try {
                guest.init(GuestConfig.InitMode.valueOf(mode.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new KilnException("init " + mode + ": expected auto, kiln or none");
            }
            return this;
        }

        /** Adds nothing to the source's tree (no init, no /etc/kiln), as {@code --bare}; nothing else of the guest may be set. */
        public Builder bare(boolean value) {
            guest.bare(value);
            return this;
        }

        /** A guest agent started at boot and restarted when it exits; {@code dest} null for the default place. */
        public Builder agent(Path file, String dest) {
            guest.agent(file, dest);
            return this;
        }

        /** The agent's arguments. */
        public Builder agentArgs(List<String> args) {
            guest.agentArgs(args);
            return this;
        }

        /** NAME=VALUE entries added to the agent's environment. */
        public Builder agentEnv(List<String> env) {
            guest.agentEnv(env);
            return this;
        }

        /** A program run once at boot before the main program. */
        public Builder script(Path file) {
            guest.script(file);
            return this;
        }

        /** Copies a host file into the image at {@code dest} (absolute), mode and owner from the defaults. */
        public Builder file(Path source, String dest) {
            guest.file(new GuestConfig.FileSpec(source, dest, null, null, null));
            return this;
        }

        /** Writes {@code contents} to {@code dest} (absolute) in the image, mode 0644, owned by root. */
        public Builder file(String dest, byte[] contents) {
            guest.file(new GuestConfig.FileSpec(null, dest, null, null, null, contents.clone(), null, false));
            return this;
        }

        /** NAME=VALUE entries that replace or extend the image's Env. */
        public Builder env(List<String> env) {
            guest.env(env);
            return this;
        }

        /** Writes /etc/hostname and /etc/hosts. */
        public Builder hostname(String value) {
            guest.hostname(value);
            return this;
        }

        /** Name servers for /etc/resolv.conf. */
        public Builder dns(List<String> addresses) {
            guest.dns(addresses);
            return this;
        }

        /** Replaces the image's Entrypoint (and clears its Cmd). */
        public Builder entrypoint(List<String> argv) {
            guest.entrypoint(argv);
            return this;
        }

        /** Replaces the image's Cmd. */
        public Builder cmd(List<String> argv) {
            guest.cmd(argv);
            return this;
        }

        /** Replaces the image's User (name or uid, optionally :group or :gid). */
        public Builder user(String value) {
            guest.user(value);
            return this;
        }

        /** Replaces the image's WorkingDir. */
        public Builder workdir(String value) {
            guest.workdir(value);
            return this;
        }

        /** Replaces every guest setting above with {@code config} (for callers that build a {@link GuestConfig}). */
        public Builder guest(GuestConfig config) {
            guestConfig = config;
            return this;
        }

        /** Composes a machine (init images, containers) around the source, which may then be null. */
        public Builder machine(MachineSpec value) {
            machine = value;
            return this;
        }

        // ---- Build steps, run in a microVM before Kiln adds its files ----

        /** Adds a step that runs {@code command} with /bin/sh -c as root in the image. */
        public Builder run(String command) {
            steps.add(new Step.Run(command, null, null, null, null));
            return this;
        }

        /** Adds a step that copies a host file or directory to {@code path} (absolute) in the image. */
        public Builder copy(Path source, String path) {
            steps.add(new Step.Copy(source, path, null, null, null));
            return this;
        }

        /** Virtual CPUs of the steps' VM (1..64); default 1. */
        public Builder buildCpus(int value) {
            buildCpus = value;
            return this;
        }

        /** Memory of the steps' VM in bytes, at least 128 MiB; default 1 GiB. */
        public Builder buildMemoryBytes(long value) {
            buildMemory = value;
            return this;
        }

        /** Fails the build when one step runs longer; default no limit. */
        public Builder stepTimeout(Duration value) {
            stepTimeout = value;
            return this;
        }

        /** Whether run steps get QEMU's user-mode network; default true. */
        public Builder stepNetwork(boolean value) {
            stepNetwork = value;
            return this;
        }

        /** Whether step results may come from the step cache; default true. */
        public Builder stepCache(boolean value) {
            stepCache = value;
            return this;
        }

        /** Replaces the steps and their VM settings above with {@code plan}. */
        public Builder steps(StepPlan plan) {
            stepPlan = plan;
            return this;
        }

        // ---- General ----

        /** The time of everything Kiln creates, in seconds since 1970 (SOURCE_DATE_EPOCH); default 0. */
        public Builder sourceDateEpoch(long seconds) {
            sourceDateEpoch = seconds;
            return this;
        }

        /**
         * Where progress (when {@code progress}, and only on a terminal), warnings and the summary
         * are written; default nowhere (the result still lists the warnings).
         */
        public Builder log(PrintStream value, boolean progress) {
            log = value;
            this.progress = progress;
            return this;
        }

        /** The options, checked as the CLI checks them. */
        public BuildOptions build() {
            if (source == null && machine == null) {
                throw new KilnException("build: no image; give a source");
            }
            if (outputs.isEmpty()) {
                throw new KilnException("build: no output; give one");
            }
            SourceOptions sourceOptions = new SourceOptions(platform, credentials, List.copyOf(insecureRegistries),
                    caCertificate, cacheDirectory, !progress);
            OutputPlan plan = new OutputPlan(outputs, strict, new OutputPlan.KernelSpec(kernel, kernelImage, cmdline));
            StepPlan stepsToRun = stepPlan != null ? stepPlan : new StepPlan(steps, kernel, kernelImage, null,
                    buildCpus, buildMemory, stepTimeout, stepNetwork, stepCache);
            GuestConfig guestToAdd = guestConfig != null ? guestConfig : guest.build();
            return new BuildOptions(new BuildRequest(source, sourceOptions, ext4.withCreationTime(sourceDateEpoch),
                    guestToAdd, sourceDateEpoch, plan, machine, stepsToRun), log, progress, standardOutput, digestImages);
        }
    }
}
