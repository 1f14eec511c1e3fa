package dev.kiln.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Builds a bootable ext4 root filesystem from an image or root filesystem.",
        footer = {"", "SOURCE is one of: tar:FILE (plain, gzip or zstd; tar:- reads stdin), dir:PATH,",
                "oci:PATH[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG],",
                "or a registry reference (alpine:3.20, docker://host:5000/app@sha256:...)."})
public final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "What to build from.")
    String source;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true, description = "Where to write the image.")
    Path output;

    @Mixin
    SizingOptions sizing;

    @Mixin
    SourceOptionsMixin sourceOptions;

    @Option(names = "--debug", description = "Print stack traces on failure.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        throw new UnsupportedOperationException("build is not implemented yet");
    }
}
