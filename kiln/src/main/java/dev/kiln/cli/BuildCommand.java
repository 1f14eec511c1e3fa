package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.output.OutputSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Builds a bootable ext4 root filesystem from an image or root filesystem.",
        footer = {"", "SOURCE is one of: tar:FILE (plain, gzip or zstd; tar:- reads stdin), dir:PATH,",
                "ext4:FILE (an ext2/3/4 image), oci:PATH[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG],",
                "or a registry reference (alpine:3.20, docker://host:5000/app@sha256:...).",
                "Everything Kiln creates gets SOURCE_DATE_EPOCH (default 0) as its time."})
public final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "SOURCE",
            description = "What to build from (or image: in the spec file).")
    String source;

    @Option(names = {"-f", "--spec"}, paramLabel = "KILN.YAML",
            description = "A kiln.yaml spec file holding any of these options; flags given too win over it.")
    Path specFile;

    @Option(names = "--print-spec", description = "Print the resolved spec (file and flags) as YAML and exit.")
    boolean printSpec;

    @Spec
    CommandSpec commandSpec;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the ext4 image (see --format for other outputs; "
                    + "'-', standard output, takes only tar and initramfs: --format tar=-).")
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
        BuildSpec spec = resolvedSpec();
        if (printSpec) {
            commandSpec.commandLine().getOut().print(spec.toYaml());
            commandSpec.commandLine().getOut().flush();
            return 0;
        }
        new BuildPipeline(System.err, sourceOptions.quiet).run(spec.toRequest(sourceOptions.toSourceOptions(),
                sourceDateEpoch()));
        return 0;
    }

    BuildRequest request() throws java.io.IOException {
        return resolvedSpec().toRequest(sourceOptions.toSourceOptions(), sourceDateEpoch());
    }

    /** The spec file (if any) with every flag the user gave on top. */
    BuildSpec resolvedSpec() throws java.io.IOException {
        BuildSpec spec = specFile == null ? new BuildSpec() : SpecFile.read(specFile);
        spec.overlay(flags());
        return spec;
    }

    /** What the flags say; options the user did not give stay null, so the spec file keeps its value. */
    private BuildSpec flags() {
        ParseResult given = commandSpec.commandLine().getParseResult();
        BuildSpec f = new BuildSpec();
        f.image = BuildSpec.resolveImage(source, Path.of("").toAbsolutePath());
        f.platform = sourceOptions.platform;
        f.size = sizing.size;
        f.headroom = given.hasMatchedOption("--headroom") ? sizing.headroomPercent : null;
        f.inodes = given.hasMatchedOption("--inodes") ? sizing.inodes : null;
        f.label = given.hasMatchedOption("--label") ? sizing.label : null;
        f.journal = sizing.noJournal ? Boolean.FALSE : null;
        GuestOptionsMixin g = guestOptions;
        f.init = given.hasMatchedOption("--init") ? g.init : null;
        if (g.agent != null) {
            int colon = g.agent.indexOf(':');
            f.agent = Path.of(colon < 0 ? g.agent : g.agent.substring(0, colon)).toAbsolutePath().toString();
            f.agentDest = colon < 0 ? null : g.agent.substring(colon + 1);
        }
        f.agentArgs = g.agentArgs.isEmpty() ? null : g.agentArgs;
        f.agentEnv = g.agentEnv.isEmpty() ? null : g.agentEnv;
        f.script = g.script == null ? null : g.script.toAbsolutePath().toString();
        if (!g.files.isEmpty()) {
            f.files = g.files.stream().map(GuestOptionsMixin::fileSpec)
                    .map(s -> new BuildSpec.FileEntry(s.dest(), s.source().toAbsolutePath().toString(), null, null,
                            null, s.mode(), s.uid(), s.gid())).toList();
        }
        f.env = g.env.isEmpty() ? null : g.env;
        f.hostname = g.hostname;
        f.dns = g.dns.isEmpty() ? null : g.dns;
        f.entrypoint = GuestOptionsMixin.argv("--entrypoint", g.entrypoint);
        f.cmd = GuestOptionsMixin.argv("--cmd", g.cmd);
        f.user = g.user;
        f.workdir = g.workdir;
        OutputOptions o = outputOptions;
        f.kernelPath = o.kernel == null ? null : o.kernel.toAbsolutePath().toString();
        f.kernelImage = o.kernelImage;
        f.cmdline = o.cmdline;
        f.strict = o.strict ? Boolean.TRUE : null;
        if (output != null || !o.formats.isEmpty()) {
            f.outputs = o.outputs(output).stream().map(s -> new BuildSpec.OutputEntry(s.format().toString(),
                    s.toStdout() ? OutputSpec.STDOUT : s.path().toAbsolutePath().toString(), o.compress == null ? null
                    : s.compression() == null ? null : s.compression().toString())).toList();
        }
        return f;
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
