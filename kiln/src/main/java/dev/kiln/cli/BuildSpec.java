package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputNames;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.image.SourceOptions;
import dev.kiln.steps.Step;
import dev.kiln.steps.StepPlan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.cli.BuildKeys.*;

/**
 * Everything {@code kiln build} is told, from the spec file and from flags (the keys of
 * {@link BuildKeys}), and the {@link BuildRequest} it makes. The values were checked when they
 * were read, where the error can still name the file and line or the flag.
 */
final class BuildSpec {
    private final SpecMap values;

    BuildSpec(SpecMap values) {
        this.values = values;
    }

    /** A spec with nothing said: what a build without -f starts from. */
    static BuildSpec empty() {
        return new BuildSpec(new SpecMap(null, BuildKeys.ALL, null));
    }

    SpecMap values() {
        return values;
    }

    <T> T get(SpecKey<T> key) {
        return values.get(key);
    }

    /** Lets what {@code flags} say win over this spec's values (see {@link SpecMap#overlay}). */
    void overlay(BuildSpec flags) {
        values.overlay(flags.values);
    }

    BuildRequest toRequest(long timestamp) {
        String image = get(IMAGE);
        MachineSpec machine = machine();
        if (image == null && machine == null) {
            throw new KilnException("build: no image; give SOURCE or image: in the spec file");
        }
        List<OutputSpec> specs = new ArrayList<>();
        for (SpecMap o : get(OUTPUT_LIST) == null ? List.<SpecMap>of() : get(OUTPUT_LIST)) {
            OutputFormat format = format(o);
            Compression c = o.get(OUTPUT_COMPRESS) == null ? null : Compression.parse(o.get(OUTPUT_COMPRESS));
            specs.add(new OutputSpec(format, o.get(OUTPUT_PATH), format.fromExt4() ? null : c));
        }
        if (specs.isEmpty()) {
            throw new KilnException("build: no output; give -o FILE, --format FORMAT=PATH or outputs: in the spec");
        }
        OutputPlan plan = new OutputPlan(specs, Boolean.TRUE.equals(get(STRICT)),
                new OutputPlan.KernelSpec(get(KERNEL_PATH), get(KERNEL_IMAGE), get(KERNEL_CMDLINE)));
        return new BuildRequest(image, sourceOptions(), ext4Options(timestamp), guest(), timestamp, plan, machine, steps(machine));
    }

    /** An item of outputs:; without format:, the path's name says it, as -o's does (rootfs.qcow2); else ext4. */
    private static OutputFormat format(SpecMap output) {
        return output.get(OUTPUT_FORMAT) != null ? OutputFormat.parse("outputs: format", output.get(OUTPUT_FORMAT))
                : OutputNames.of(output.get(OUTPUT_PATH)).map(OutputNames.Named::format).orElse(OutputFormat.EXT4);
    }

    /**
     * The composed machine (init images, containers), or null for a plain build. kiln-init runs
     * the containers, so it must be the init: init: none is refused, auto means kiln.
     */
    MachineSpec machine() {
        MachineSpec machine = MachineSpec.of(values);
        InitChoice init = get(INIT);
        if (machine != null && init != null && init.mode().equals("none")) {
            throw values.origin(INIT).error(new SpecProblem("none", "a composed machine needs kiln-init as its init, "
                    + "which runs its containers; leave init out or give kiln"));
        }
        return machine;
    }

    SourceOptions sourceOptions() {
        return sourceOptions(values);
    }

    /** How {@code command} (inspect, pull) was told to fetch images: its flags of {@link BuildKeys#FETCHING}. */
    static SourceOptions fetchingOptions(picocli.CommandLine.Model.CommandSpec command) {
        return sourceOptions(SpecOptions.read(command.commandLine().getParseResult(), BuildKeys.FETCHING));
    }

    /** How to find and fetch images, from the keys of {@link BuildKeys#FETCHING} in {@code values}. */
    static SourceOptions sourceOptions(SpecMap values) {
        return new SourceOptions(values.get(PLATFORM), values.get(CREDS), values.get(INSECURE_REGISTRIES),
                values.get(CA_CERT), values.get(CACHE_DIR), Boolean.TRUE.equals(values.get(QUIET)));
    }

    Ext4Options ext4Options(long timestamp) {
        Long inodes = get(INODES);
        Ext4Options options = Ext4Options.defaults()
                .withHeadroom(values.getOrDefault(HEADROOM) / 100.0, 64L << 20)
                .withInodeCount(inodes == null ? 0 : inodes)
                .withLabel(values.getOrDefault(LABEL))
                .withJournal(values.getOrDefault(JOURNAL))
                .withCreationTime(timestamp);
        String size = get(SIZE);
        return size == null ? options : options.withSizeBytes(ByteSize.parse("--size", size));
    }

    /**
     * Whether the build is bare (nothing added to the source's tree). Every key that would add
     * something is then refused, naming that key where it was given; so are outputs that add /init.
     */
    boolean bare() {
        if (!Boolean.TRUE.equals(get(BARE))) {
            return false;
        }
        String bare = values.origin(BARE).name(BARE);
        InitChoice init = get(INIT);
        if (init != null && !init.mode().equals("none")) {
            throw values.origin(INIT).error(new SpecProblem("not with " + bare + ", which adds no init; leave it out "
                    + "or give none"));
        }
        for (SpecKey<?> key : List.of(STEPS, AGENT, SCRIPT, FILES, ENV, HOSTNAME, DNS, ENTRYPOINT, CMD, USER, WORKDIR,
                ONBOOT.list, SERVICES.list, ONSHUTDOWN.list, ONBOOT_FAILURE)) {
            if (values.has(key)) {
                throw values.origin(key).error(new SpecProblem("not with " + bare + ", which adds nothing to the "
                        + "source's tree"));
            }
        }
        for (SpecMap o : get(OUTPUT_LIST) == null ? List.<SpecMap>of() : get(OUTPUT_LIST)) {
            OutputFormat format = format(o);
            if (format == OutputFormat.INITRAMFS || format == OutputFormat.KERNEL_INITRD) {
                throw values.origin(OUTPUT_LIST).error(new SpecProblem(o.get(OUTPUT_PATH).toString(), "a " + format
                        + " output adds /init, and " + bare + " adds nothing; write ext4, qcow2 or tar"));
            }
        }
        return true;
    }

    GuestConfig guest() {
        if (bare()) {
            return GuestConfig.bareTree();
        }
        boolean composed = MachineSpec.of(values) != null;
        GuestConfig.Builder guest = GuestConfig.builder()
                .init(composed ? GuestConfig.InitMode.KILN : values.getOrDefault(INIT).initMode())
                .poweroffOnOnbootFailure("poweroff".equals(get(ONBOOT_FAILURE)))
                .agent(get(AGENT_PATH), get(AGENT_DEST))
                .agentArgs(get(AGENT_ARGS))
                .agentEnv(get(AGENT_ENV))
                .script(get(SCRIPT))
                .hostname(get(HOSTNAME))
                .dns(get(DNS))
                .env(get(ENV))
                .entrypoint(get(ENTRYPOINT))
                .cmd(get(CMD))
                .user(get(USER))
                .workdir(get(WORKDIR));
        for (SpecMap f : get(FILES) == null ? List.<SpecMap>of() : get(FILES)) {
            String contents = f.get(FILE_CONTENTS);
            guest.file(new GuestConfig.FileSpec(f.get(FILE_SOURCE), f.get(FILE_PATH), f.get(FILE_MODE),
                    f.get(FILE_UID), f.get(FILE_GID),
                    contents == null ? null : contents.getBytes(StandardCharsets.UTF_8),
                    f.get(FILE_SYMLINK), Boolean.TRUE.equals(f.get(FILE_DIRECTORY))));
        }
        return guest.build();
    }

    /**
     * The steps of a build whose machine is {@code machine}: a composed machine's steps would
     * need one of its images to run in, which nothing names yet, so they are refused.
     */
    StepPlan steps(MachineSpec machine) {
        StepPlan steps = steps();
        if (machine != null && !steps.isEmpty()) {
            throw values.origin(STEPS).error(new SpecProblem("build steps run in one image; a composed machine "
                    + "(init images, onboot, services) cannot have them yet: build the image with its steps "
                    + "first, then name that image in the machine"));
        }
        return steps;
    }

    /** The build steps and their VM; the kernel is the kernel: key's ($KILN_KERNEL is added by the command). */
    StepPlan steps() {
        List<Step> steps = new ArrayList<>();
        for (SpecMap item : get(STEPS) == null ? List.<SpecMap>of() : get(STEPS)) {
            if (item.has(RUN)) {
                String network = item.get(RUN_NETWORK);
                steps.add(new Step.Run(item.get(RUN_COMMAND), item.get(RUN_ENV), item.get(RUN_USER),
                        item.get(RUN_WORKDIR), network == null ? null : network.equals("default")));
            } else {
                steps.add(new Step.Copy(item.get(COPY_SOURCE), item.get(COPY_PATH), item.get(COPY_UID),
                        item.get(COPY_GID), item.get(COPY_MODE)));
            }
        }
        java.time.Duration timeout = get(STEP_TIMEOUT);
        return new StepPlan(steps, get(KERNEL_PATH), get(KERNEL_IMAGE), null,
                Math.toIntExact(values.getOrDefault(BUILD_CPUS)), ByteSize.bytes(values.getOrDefault(BUILD_MEM)),
                timeout, values.getOrDefault(STEP_NETWORK).equals("default"), values.getOrDefault(STEP_CACHE));
    }

    /** The spec as YAML, keys in {@link BuildKeys#ALL}'s order; unset keys and flag-only ones are left out. */
    String toYaml() {
        try {
            return YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR).build()
                    .writeValueAsString(values.toYaml());
        } catch (JsonProcessingException e) {
            throw new KilnException("--print-spec: cannot write YAML", e);
        }
    }
}
