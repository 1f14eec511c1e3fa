package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.build.BuildOptions;
import dev.kiln.build.BuildResult;
import dev.kiln.build.Kiln;
import dev.kiln.io.Terminals;
import dev.kiln.source.Transport;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln build}. Its options are the flags of {@link BuildKeys}, made with picocli's
 * programmatic API: nothing here repeats a key.
 */
public final class BuildCommand implements Callable<Integer> {
    private CommandSpec spec;

    private BuildCommand() {
    }

    /** The command, ready to be added to {@code kiln}. */
    static CommandSpec commandSpec() {
        BuildCommand command = new BuildCommand();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name("build");
        spec.usageMessage()
                .description("Builds a bootable ext4 root filesystem from an image or root filesystem.")
                .abbreviateSynopsis(true)
                .footer(footer());
        SpecOptions.addTo(spec, BuildKeys.ALL, true);
        spec.mixinStandardHelpOptions(true);
        command.spec = spec;
        return spec;
    }

    /** The forms of SOURCE, a line per row of the source table, and the time rule. */
    private static String[] footer() {
        List<String> lines = new ArrayList<>(List.of("", "SOURCE is one of:"));
        for (Transport t : Transport.values()) {
            lines.add(String.format("  %-31s %s", t.syntax(), t.description()));
        }
        lines.add("Everything Kiln creates gets SOURCE_DATE_EPOCH (default 0) as its time.");
        return lines.toArray(String[]::new);
    }

    @Override
    public Integer call() throws IOException {
        BuildSpec resolved = resolvedSpec();
        if (Boolean.TRUE.equals(resolved.get(BuildKeys.PRINT_SPEC))) {
            spec.commandLine().getOut().print(resolved.toYaml());
            spec.commandLine().getOut().flush();
            return 0;
        }
        boolean json = Boolean.TRUE.equals(resolved.get(BuildKeys.JSON));
        BuildOptions options = resolved.toOptions(sourceDateEpoch(), System.getenv("KILN_KERNEL"))
                .log(System.err, !Boolean.TRUE.equals(resolved.get(BuildKeys.QUIET)))
                .digestImages(json)   // an orchestrator reading the result wants every output's digest
                .build();
        if (Terminals.isTerminal(Terminals.STDOUT)) {
            // as gzip does: an image's bytes on a terminal garble it and help no one
            options.request().plan().stdout().ifPresent(o -> {
                throw new KilnException("-: standard output is a terminal, and the " + o.format()
                        + " output is binary; redirect it to a file or a pipe");
            });
        }
        if (json) {
            // One stream cannot carry both; a result on stderr would mix with progress and warnings.
            options.request().plan().stdout().ifPresent(o -> {
                throw new KilnException("--json: standard output carries the " + o.format() + " output (-); "
                        + "write it to a file or leave out --json");
            });
        }
        BuildResult result = Kiln.build(options);
        if (json) {
            spec.commandLine().getOut().println(result.toJson());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** The spec file (if any) with every flag the user gave on top. */
    BuildSpec resolvedSpec() throws IOException {
        BuildSpec flags = new BuildSpec(SpecOptions.read(spec.commandLine().getParseResult(), BuildKeys.ALL));
        Path file = flags.get(BuildKeys.SPEC_FILE);
        BuildSpec resolved = file == null ? BuildSpec.empty() : SpecFile.read(file);
        resolved.overlay(flags);
        resolved.steps(resolved.machine());   // checks across keys (container names, init, steps), --print-spec too
        resolved.bare();
        return resolved;
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
