package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.output.OutputPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Builds a bootable ext4 root filesystem from an image or root filesystem.",
        footer = {"", "SOURCE is one of: tar:FILE (plain, gzip or zstd; tar:- reads stdin), dir:PATH,",
                "oci:PATH[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG],",
                "or a registry reference (alpine:3.20, docker://host:5000/app@sha256:...).",
                "Everything Kiln creates gets SOURCE_DATE_EPOCH (default 0) as its time."})
public final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "What to build from.")
    String source;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the ext4 image (see --format for other outputs).")
    Path output;

    @Mixin
    OutputOptions outputOptions;

    @Mixin
    SizingOptions sizing;

    @Mixin
    SourceOptionsMixin sourceOptions;

    @Mixin
    GuestOptionsMixin guestOptions;

    @Override
    public Integer call() throws Exception {
        new BuildPipeline(System.err, sourceOptions.quiet).run(request());
        return 0;
    }

    BuildRequest request() {
        long timestamp = sourceDateEpoch();
        OutputPlan plan = new OutputPlan(outputOptions.outputs(output), outputOptions.strict,
                outputOptions.kernelSpec());
        if (plan.outputs().isEmpty()) {
            throw new KilnException("build: no output; give -o FILE or --format FORMAT=PATH");
        }
        return new BuildRequest(source, sourceOptions.toSourceOptions(), ext4Options(timestamp),
                guestOptions.toGuestConfig(), output, timestamp, plan);
    }

    Ext4Options ext4Options(long timestamp) {
        if (sizing.label.getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new KilnException("--label " + sizing.label + ": longer than 16 bytes");
        }
        if (sizing.headroomPercent < 0) {
            throw new KilnException("--headroom " + sizing.headroomPercent + ": must not be negative");
        }
        if (sizing.inodes < 0) {
            throw new KilnException("--inodes " + sizing.inodes + ": must not be negative");
        }
        Ext4Options options = Ext4Options.defaults()
                .withHeadroom(sizing.headroomPercent / 100.0, 64L << 20)
                .withInodeCount(sizing.inodes)
                .withLabel(sizing.label)
                .withJournal(!sizing.noJournal)
                .withCreationTime(timestamp);
        return sizing.size == null ? options : options.withSizeBytes(ByteSize.parse("--size", sizing.size));
    }

    static long sourceDateEpoch() {
        String value = System.getenv("SOURCE_DATE_EPOCH");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new KilnException("SOURCE_DATE_EPOCH=" + value + ": not a number of seconds");
        }
    }
}
