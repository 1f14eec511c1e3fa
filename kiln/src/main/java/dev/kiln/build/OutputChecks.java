package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.output.AtomicOutput;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSession;
import dev.kiln.output.OutputSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What is checked about the outputs before a build reads a single byte: every target may be
 * replaced (see {@link AtomicOutput#checkFileTarget}), and a {@code dir:} source does not hold
 * the directories Kiln writes into. GNU tar reads that tree while Kiln writes there: it would
 * archive Kiln's own growing temporary into the image, or fail on it.
 */
final class OutputChecks {
    private OutputChecks() {
    }

    static void check(OutputPlan plan, String source) throws IOException {
        check(plan, source == null ? List.of() : List.of(source));
    }

    /** As {@link #check(OutputPlan, String)} for a build that reads several sources (a composed machine). */
    static void check(OutputPlan plan, List<String> sources) throws IOException {
        OutputSession.checkTargets(plan);
        for (String source : sources) {
            if (source.startsWith("dir:") && source.length() > "dir:".length()) {
                checkOutsideSource(plan, Path.of(source.substring("dir:".length())));
            }
        }
    }

    /** Refuses a build whose outputs or scratch files would land inside the source directory. */
    private static void checkOutsideSource(OutputPlan plan, Path sourceDir) throws IOException {
        if (!Files.isDirectory(sourceDir)) {
            return;   // the source reports that itself
        }
        Path source = sourceDir.toRealPath();
        Set<Path> written = new LinkedHashSet<>();
        for (OutputSpec o : plan.outputs()) {
            if (!o.toStdout()) {
                written.add(o.path());
            }
        }
        for (Path output : written) {
            // Temporaries live beside the target; a kernel+initrd directory is itself written into.
            Path where = output.toAbsolutePath().getParent().toRealPath();
            if (where.startsWith(source)) {
                throw new KilnException(output + ": inside the source dir:" + sourceDir + "; Kiln writes the output "
                        + "and its temporaries there while tar reads that tree; write the output outside " + sourceDir);
            }
        }
        if (plan.needsTree() && plan.scratchDirectory().toRealPath().startsWith(source)) {
            throw new KilnException(plan.scratchDirectory() + ": Kiln's scratch directory is inside the source dir:"
                    + sourceDir + "; set TMPDIR to a directory outside it");
        }
    }
}
