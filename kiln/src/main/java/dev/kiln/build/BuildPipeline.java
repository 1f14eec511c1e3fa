package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.compose.MachineStream;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryStream;
import dev.kiln.flatten.Flattener;
import dev.kiln.guest.GuestStage;
import dev.kiln.output.KernelSource;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSession;
import dev.kiln.output.WrittenOutputs;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;
import dev.kiln.source.registry.BlobCache;
import dev.kiln.steps.StepBuild;
import dev.kiln.steps.StepKernel;
import dev.kiln.image.Platform;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;

/**
 * source -> flatten -> guest -> outputs: the one place that knows every stage. How the
 * outputs are written, checked and published is {@link OutputSession}'s business. Callers
 * outside Kiln use {@link Kiln#build}, which runs this.
 */
public final class BuildPipeline {
    private final PrintStream log;
    private final boolean quiet;
    private final OutputStream stdout;
    private final boolean digestImages;

    /** A pipeline whose {@code -} output goes to the process's standard output (file descriptor 1). */
    public BuildPipeline(PrintStream log, boolean quiet) {
        this(log, quiet, new FileOutputStream(FileDescriptor.out));
    }

    /** @param stdout where an output named {@code -} goes; progress and warnings go to {@code log} only */
    BuildPipeline(PrintStream log, boolean quiet, OutputStream stdout) {
        this(log, quiet, stdout, false);
    }

    /** @param digestImages hash ext4 and qcow2 outputs too (one more read of each) */
    BuildPipeline(PrintStream log, boolean quiet, OutputStream stdout, boolean digestImages) {
        this.log = log;
        this.quiet = quiet;
        this.stdout = stdout;
        this.digestImages = digestImages;
    }

    /** Opens a stream of the final entries (the guest stage's output). */
    interface Entries {
        EntryStream open() throws IOException;
    }

    /** Builds every output of the request. */
    public BuildResult run(BuildRequest request) throws IOException {
        if (request.machine() != null) {
            return runMachine(request);
        }
        long started = System.nanoTime();
        // Before the source is opened: a bad target costs no download and changes nothing.
        OutputChecks.check(request.plan(), request.source());
        try (Progress progress = Progress.onStderr(log, quiet)) {
            progress.phase("resolving " + request.source());
            SourceOptions options = request.sourceOptions();
            try (Image opened = Sources.open(request.source(), options.withEvents(progress))) {
                LayerMeter.Metered metered = LayerMeter.wrap(opened);
                Image image = metered.image();
                String platform = imagePlatform(image, request);
                long resolved = System.nanoTime();
                BuildResult.Image resolvedImage = new BuildResult.Image(image.manifestDigest().orElse(null),
                        image.configDigest().orElse(null), platform, image.layers().size());
                // the steps run on the image as it is; the guest stage comes after them
                try (StepBuild stepped = request.steps().isEmpty() ? null
                        : runSteps(request, image, platform, options, progress)) {
                    Entries tree = stepped == null ? () -> Flattener.flatten(image) : stepped::open;
                    return build(request, () -> GuestStage.apply(tree.open(), image.config(), request.guest(),
                            request.timestamp(), platform), options.withEvents(progress), progress,
                            metered.meter(), resolvedImage, started, resolved);
                }
            }
        }
    }

    /**
     * A composed machine (issue 13): every image opened first, then one pass: the root's images
     * merged and each container's flattened under its directory ({@link MachineStream}), then the
     * guest stage, with kiln-init as init, into every output.
     */
    private BuildResult runMachine(BuildRequest request) throws IOException {
        long started = System.nanoTime();
        MachineSpec spec = request.machine();
        List<String> references = new ArrayList<>();
        if (request.source() != null) {
            references.add(request.source());
        }
        spec.images().forEach(ref -> references.add(ref.reference()));
        OutputChecks.check(request.plan(), references);
        try (Progress progress = Progress.onStderr(log, quiet)) {
            progress.phase("resolving " + references.size() + " images");
            SourceOptions options = request.sourceOptions();
            try (MachineSources sources = MachineSources.open(request.source(), spec, options.withEvents(progress),
                    options.platform())) {
                long resolved = System.nanoTime();
                Image main = sources.main();
                BuildResult.Image resolvedImage = new BuildResult.Image(
                        main == null ? null : main.manifestDigest().orElse(null),
                        main == null ? null : main.configDigest().orElse(null), sources.platform(), sources.layers());
                return build(request, () -> GuestStage.apply(MachineStream.open(sources.machine(), request.timestamp()),
                                main == null ? ImageConfig.empty() : main.config(), request.guest(), request.timestamp(),
                                sources.platform()), options.withEvents(progress), progress, sources.meter(),
                        resolvedImage, started, resolved);
            }
        }
    }

    /** Runs the build steps (dev.kiln.steps) on the flattened image; their lines go above the progress display. */
    private StepBuild runSteps(BuildRequest request, Image image, String platform, SourceOptions options,
                               Progress progress) throws IOException {
        progress.phase("running build steps");
        StepBuild.Log steps = new StepBuild.Log() {
            @Override
            public void note(String line) {
                if (!quiet) {
                    progress.println("kiln: " + line);
                }
            }

            @Override
            public void output(String line) {
                if (!quiet) {
                    progress.println(line);
                }
            }
        };
        Path scratch = request.plan().scratchDirectory();
        KernelSource.Opener kernelImage = imageOpener(request.steps().kernelImage(), options);
        try (StepKernel kernel = StepKernel.resolve(request.steps(), kernelImage == null ? null : kernelImage::open,
                scratch)) {
            StepBuild.Context context = new StepBuild.Context(kernel == null ? null : kernel.file(),
                    BlobCache.at(options.cacheDir(), System.getenv()).root(), scratch, request.timestamp(), platform,
                    image.config(), steps, log);
            return StepBuild.run(request.steps(), new StepBuild.Base(image.manifestDigest().orElse(null),
                    () -> Flattener.flatten(image)), context);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException("build steps: interrupted", e);
        }
    }

    /** The resolved manifest's platform; for tar: and dir: sources, --platform or the host's. */
    static String imagePlatform(Image image, BuildRequest request) {
        String option = request.sourceOptions().platform();
        return image.platform().orElseGet(() -> Platform.parse(option).toString());
    }

    /** Writes every output of {@code request} from one pass over {@code entries}, with no live display. */
    BuildResult build(BuildRequest request, Entries entries) throws IOException {
        long started = System.nanoTime();
        try (Progress progress = new Progress(log, false, quiet, System::nanoTime)) {
            SourceOptions options = request.sourceOptions();
            return build(request, entries, options, progress, LayerMeter.none(),
                    new BuildResult.Image(null, null, null, 0), started, started);
        }
    }

    private BuildResult build(BuildRequest request, Entries entries, SourceOptions sourceOptions, Progress progress,
                              LayerMeter meter, BuildResult.Image image, long started, long resolved)
            throws IOException {
        OutputPlan plan = request.plan();
        if (plan.outputs().isEmpty()) {
            throw new KilnException("build: no output; give -o FILE or --format FORMAT=PATH");
        }
        OutputSession.Options options = OutputSession.Options.of(request.ext4(), request.timestamp())
                .withStdout(stdout)
                .withDigestImages(digestImages)
                .withWarnings(w -> progress.println("kiln: warning: " + w))
                .withKernelImage(kernelImage(plan, sourceOptions));
        long wrote;
        WrittenOutputs written;
        try (OutputSession outputs = OutputSession.open(plan, options)) {
            // The targets are usable: start reading the source (the newest layers begin to
            // decompress) while the writers are set up.
            try (EntryStream stream = entries.open()) {
                EntrySink sink = progress.wrap(outputs.start());
                progress.writing(meter);
                drain(stream, sink);
            }
            wrote = System.nanoTime();
            progress.finishing();
            written = outputs.finish();
        }
        long finished = System.nanoTime();
        progress.close();
        progress.summary(progress.downloadSummary());
        progress.summary(progress.wroteLines(written.outputs(), written.ext4()));
        return BuildResult.of(request.source(), image, written, progress.entries(), progress.fileBytes(),
                new BuildResult.Timings(millis(resolved - started), millis(wrote - resolved),
                        millis(finished - wrote), millis(finished - started)));
    }

    /** Opens the image a kernel+initrd output takes its kernel from, flattened; null when none is named. */
    private static KernelSource.Opener kernelImage(OutputPlan plan, SourceOptions options) {
        return imageOpener(plan.kernel().image(), options);
    }

    /** Opens the image {@code reference} names, flattened; null for none. */
    private static KernelSource.Opener imageOpener(String reference, SourceOptions options) {
        if (reference == null) {
            return null;
        }
        return () -> {
            Image image = Sources.open(reference, options);
            return EntryStream.closingAlso(() -> Flattener.flatten(image), image);
        };
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    static void drain(EntryStream entries, EntrySink sink) throws IOException {
        for (Entry e = entries.next(); e != null; e = entries.next()) {
            sink.accept(e);
        }
    }
}
