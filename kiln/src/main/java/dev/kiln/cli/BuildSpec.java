package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kiln.KilnException;
import dev.kiln.build.BuildOptions;
import dev.kiln.build.Kiln;
import dev.kiln.build.MachineSpec;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputNames;
import dev.kiln.image.SourceOptions;
import dev.kiln.steps.Step;
import dev.kiln.steps.StepPlan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.cli.BuildKeys.*;

/**
 * Everything {@code kiln build} is told, from the spec file and from flags (the keys of
 * {@link BuildKeys}), and the {@link BuildOptions} it makes. The values were checked when they
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

    /**
     * The build this spec describes, for {@link Kiln#build}: every key as the builder's setter of
     * the same name. Steps get {@code environmentKernel} ($KILN_KERNEL) as their last choice of kernel.
     */
    BuildOptions.Builder toOptions(long timestamp, String environmentKernel) {
        String image = get(IMAGE);
        MachineSpec machine = machine();
        if (image == null && machine == null) {
            throw new KilnException("build: no image; give SOURCE or image: in the spec file");
        }
        List<SpecMap> outputs = get(OUTPUT_LIST) == null ? List.of() : get(OUTPUT_LIST);
        if (outputs.isEmpty()) {
            throw new KilnException("build: no output; give -o FILE, --format FORMAT=PATH or outputs: in the spec");
        }
        BuildOptions.Builder options = BuildOptions.builder(image).machine(machine)
                .platform(get(PLATFORM)).credentials(get(CREDS)).caCertificate(get(CA_CERT))
                .cacheDirectory(get(CACHE_DIR))
                .strict(Boolean.TRUE.equals(get(STRICT)))
                .kernel(get(KERNEL_PATH)).kernelImage(get(KERNEL_IMAGE)).cmdline(get(KERNEL_CMDLINE))
                .headroomPercent(values.getOrDefault(HEADROOM)).label(values.getOrDefault(LABEL))
                .journal(values.getOrDefault(JOURNAL))
                .guest(guest()).steps(steps(machine).withEnvironmentKernel(environmentKernel))
                .sourceDateEpoch(timestamp);
        for (String registry : get(INSECURE_REGISTRIES) == null ? List.<String>of() : get(INSECURE_REGISTRIES)) {
            options.insecureRegistry(registry);
        }
        for (SpecMap o : outputs) {
            options.output(format(o).toString(), o.get(OUTPUT_PATH), o.get(OUTPUT_COMPRESS));
        }
        if (get(INODES) != null) {
            options.inodes(get(INODES));
        }
        if (get(SIZE) != null) {
            options.sizeBytes(ByteSize.parse("--size", get(SIZE)));
        }
        return options;
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
        MachineSpec machine = MachineSpecs.of(values);
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
        boolean composed = MachineSpecs.of(values) != null;
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
