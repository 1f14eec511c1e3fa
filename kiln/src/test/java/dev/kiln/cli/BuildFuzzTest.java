package dev.kiln.cli;

import dev.kiln.build.Kiln;
import dev.kiln.KilnException;
import dev.kiln.tar.FuzzCase;
import dev.kiln.tar.FuzzOutcome;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.FuzzWork;
import dev.kiln.testing.Tools;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 10, end to end: mutated archives ({@link FuzzCase}) through {@code kiln build tar:FILE}
 * (the CLI's own parsing, then the whole pipeline: source, flatten, guest, ext4 writer, tar
 * output). Each build succeeds with images that e2fsck finds clean, or fails with a one-line
 * {@link KilnException} and leaves nothing behind; never another exception, never a hang.
 */
class BuildFuzzTest {
    private static final FuzzWork WORK = new FuzzWork("kiln-build-fuzz");

    @Provide
    Arbitrary<FuzzCase> cases() {
        return FuzzCase.arbitrary();
    }

    @Property(tries = 25)
    void mutatedArchivesBuildCleanImagesOrFailClearly(@ForAll("cases") FuzzCase c) throws IOException {
        build(c, false);
    }

    @Property(tries = 400)
    @Tag("slow")
    void manyMoreBuilds(@ForAll("cases") FuzzCase c) throws IOException {
        build(c, true);
    }

    private static void build(FuzzCase c, boolean checkImage) throws IOException {
        byte[] input = c.bytes();
        Path dir = WORK.newCase();
        Path in = dir.resolve("in" + c.suffix());
        Files.write(in, input);
        Path out = Files.createDirectory(dir.resolve("out"));
        String[] args = {"tar:" + in, "-o", out.resolve("root.ext4").toString(), "--init", "none",
                "--format", "tar=" + out.resolve("root.tar")};
        boolean built;
        try {
            built = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run(args));
        } catch (Throwable e) {
            Path saved = FuzzOutcome.save(input, c.suffix());
            if (e instanceof AssertionError a) {
                throw new AssertionError(a.getMessage() + " (input saved as " + saved + ")", a);
            }
            fail("not a KilnException (input saved as " + saved + "): " + e, e);
            return;
        }
        net.jqwik.api.statistics.Statistics.collect(built ? "built" : "refused");
        try (Stream<Path> left = Files.list(out)) {
            List<String> names = left.map(p -> p.getFileName().toString()).sorted().toList();
            if (built) {
                assertThat(names).as("outputs of %s", c).containsExactly("root.ext4", "root.tar");
                if (checkImage && Tools.available("e2fsck")) {
                    Ext4Image.assertClean(out.resolve("root.ext4"));
                }
            } else {
                assertThat(names).as("left behind by a failed build of %s", c).isEmpty();
            }
        }
        FuzzWork.delete(dir);
    }

    /** True when the build succeeded, false when it failed with a well-formed KilnException. */
    private static boolean run(String[] args) throws IOException {
        picocli.CommandLine.Model.CommandSpec spec = BuildCommand.commandSpec();
        new CommandLine(spec).parseArgs(args);
        BuildCommand command = (BuildCommand) spec.userObject();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try {
            Kiln.build(command.resolvedSpec().toOptions(BuildCommand.sourceDateEpoch(), null).log(quiet, false).build());
            return true;
        } catch (KilnException e) {
            String line = ErrorHandler.describe(e);
            FuzzWork.assertCleanErrorLine(line, e);
            return false;
        }
    }

    @AfterContainer
    static void cleanUp() {
        WORK.cleanUp();
    }
}
