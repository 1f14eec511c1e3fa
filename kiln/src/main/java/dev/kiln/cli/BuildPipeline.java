package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.flatten.Flattener;
import dev.kiln.guest.GuestStage;
import dev.kiln.output.AtomicOutput;
import dev.kiln.output.BackgroundFlush;
import dev.kiln.output.Ext4Sink;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.output.Qcow2Writer;
import dev.kiln.output.SpooledTree;
import dev.kiln.output.TeeSink;
import dev.kiln.output.TreeOutputs;
import dev.kiln.source.Image;
import dev.kiln.source.Sources;
import dev.kiln.source.oci.Platform;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * source -> flatten -> guest -> sinks -> atomic outputs: the one place that knows every stage.
 *
 * <p>One pass over the source feeds up to two sinks: the ext4 writer (for ext4 and qcow2,
 * the qcow2 being converted from the finished raw image) and the tree collector (for
 * initramfs, kernel+initrd and tar, which need the whole tree before they can be written).
 * Every output is written to a temporary beside its target and all are renamed into place
 * only after every one of them succeeded.
 */
public final class BuildPipeline {
    private final PrintStream log;
    private final boolean quiet;
    private final OutputStream stdout;

    /** A pipeline whose {@code -} output goes to the process's standard output (file descriptor 1). */
    public BuildPipeline(PrintStream log, boolean quiet) {
        this(log, quiet, new FileOutputStream(FileDescriptor.out));
    }

    /** @param stdout where an output named {@code -} goes; progress and warnings go to {@code log} only */
    BuildPipeline(PrintStream log, boolean quiet, OutputStream stdout) {
        this.log = log;
        this.quiet = quiet;
        this.stdout = stdout;
    }

    /** Opens a stream of the final entries (the guest stage's output). */
    interface Entries {
        EntryStream open() throws IOException;
    }

    /** Builds every output of the request; returns the ext4 summary, or null when no ext4 was made. */
    public Ext4Summary run(BuildRequest request) throws IOException {
        // Before the source is opened: a bad target costs no download and changes nothing.
        OutputChecks.check(request.plan(), request.source());
        try (Image image = Sources.open(request.source(), request.sourceOptions())) {
            String platform = imagePlatform(image, request);
            return build(request, () -> GuestStage.apply(Flattener.flatten(image), image.config(), request.guest(),
                    request.timestamp(), platform));
        }
    }

    /** The resolved manifest's platform; for tar: and dir: sources, --platform or the host's. */
    static String imagePlatform(Image image, BuildRequest request) {
        String option = request.sourceOptions() == null ? null : request.sourceOptions().platform();
        return image.platform().orElseGet(() -> Platform.parse(option).toString());
    }

    /** Writes every output of {@code request} from one pass over {@code entries}. */
    Ext4Summary build(BuildRequest request, Entries entries) throws IOException {
        OutputPlan plan = request.plan();
        if (plan.outputs().isEmpty()) {
            throw new KilnException("build: no output; give -o FILE or --format FORMAT=PATH");
        }
        Map<OutputSpec, AtomicOutput> outputs = new LinkedHashMap<>();
        List<AtomicOutput> scratch = new ArrayList<>();
        SpooledTree tree = null;
        EntryStream stream = null;
        // What is being written, to name it when the system's error does not ("No space left on device").
        String writing = plan.scratchDirectory().toString();
        try {
            for (OutputSpec o : plan.outputs()) {
                if (o.toStdout()) {
                    continue;
                }
                outputs.put(o, o.format() == OutputFormat.KERNEL_INITRD
                        ? AtomicOutput.directory(o.path(), TreeOutputs.KERNEL_INITRD_FILES)
                        : AtomicOutput.file(o.path()));
            }
            // The targets are usable: start reading the source (the newest layers begin to
            // decompress) while the rest is set up.
            stream = entries.open();
            Path raw = null;
            boolean rawIsOutput = false;
            if (plan.needsExt4()) {
                raw = outputs.entrySet().stream().filter(e -> e.getKey().format() == OutputFormat.EXT4)
                        .map(e -> e.getValue().temporary()).findFirst().orElse(null);
                rawIsOutput = raw != null;
                if (raw == null) {
                    // qcow2 without ext4: the raw image is scratch beside the qcow2.
                    Path beside = first(outputs, OutputFormat.QCOW2).temporary();
                    AtomicOutput rawScratch = AtomicOutput.scratch(beside.getParent(), "kiln-raw");
                    scratch.add(rawScratch);
                    raw = rawScratch.temporary();
                }
                Path rawDir = raw.getParent();
                writing = plan.needsTree() && !rawDir.equals(plan.scratchDirectory())
                        ? rawDir + ", " + plan.scratchDirectory() : rawDir.toString();
            }
            if (plan.needsTree()) {
                tree = new SpooledTree(plan.scratchDirectory(), request.timestamp());
            }
            Progress progress = new Progress(log, quiet);
            Ext4Summary summary = writeAll(request, stream, raw, rawIsOutput, tree, progress);
            if (summary != null) {
                summary.warnings().forEach(w -> log.println("kiln: warning: " + w)); // e.g. clamped times, once
            }
            for (Map.Entry<OutputSpec, AtomicOutput> e : outputs.entrySet()) {
                writing = e.getKey().path().toString();
                derive(request, e.getKey(), e.getValue().temporary(), raw, tree, scratch);
            }
            // Standard output last: it cannot be taken back, so every file output is written first.
            Optional<OutputSpec> toStdout = plan.stdout();
            if (toStdout.isPresent()) {
                writeStdout(request, toStdout.get(), tree);
            }
            writing = outputs.keySet().stream().map(o -> o.path().toString()).collect(Collectors.joining(", "));
            AtomicOutput.commitAll(new ArrayList<>(outputs.values()));
            for (OutputSpec o : plan.outputs()) {
                if (o.format() == OutputFormat.EXT4) {
                    progress.done(o.path().toString(), summary);
                } else if (!quiet && o.toStdout()) {
                    log.printf("kiln: wrote %s to standard output%n", o.format());
                } else if (!quiet) {
                    log.printf("kiln: wrote %s (%s)%n", o.path(), o.format());
                }
            }
            return summary;
        } catch (IOException e) {
            if (ErrorHandler.isWriteFailure(e)) {
                throw new KilnException(writing, e);
            }
            throw e;
        } finally {
            if (stream != null) {
                stream.close();
            }
            for (AtomicOutput out : outputs.values()) {
                out.close();
            }
            if (tree != null) {
                tree.close();
            }
            for (AtomicOutput s : scratch) {
                s.close();
            }
        }
    }

    /** Writes a tar or initramfs output to standard output, never closing it. */
    private void writeStdout(BuildRequest request, OutputSpec o, SpooledTree tree) throws IOException {
        TreeOutputs trees = new TreeOutputs(tree, request.plan().strict(), w -> log.println("kiln: warning: " + w));
        OutputStream out = new NamedOutputStream(TreeOutputs.keepOpen(stdout), o.where());
        String what = o.format() + " to " + o.where();
        if (o.format() == OutputFormat.TAR) {
            trees.tar(out, what, o.compression());
        } else {
            trees.initramfs(out, what, o.compression());
        }
    }

    /** Any write failure of standard output (a full disk, a reader that went away) is named as such. */
    private static final class NamedOutputStream extends FilterOutputStream {
        private final String name;

        NamedOutputStream(OutputStream out, String name) {
            super(out);
            this.name = name;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw new KilnException(name, e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw new KilnException(name, e);
            }
        }
    }

    /** The single pass: every entry goes to the ext4 writer, the tree collector, or both. */
    private static Ext4Summary writeAll(BuildRequest request, EntryStream entries, Path raw, boolean rawIsOutput,
                                        SpooledTree tree, Progress progress) throws IOException {
        FileChannel channel = null;
        Ext4Writer writer = null;
        try {
            EntrySink sink = tree;
            if (raw != null) {
                channel = FileChannel.open(raw, StandardOpenOption.WRITE, StandardOpenOption.READ);
                writer = new Ext4Writer(channel, request.ext4());
                sink = tree == null ? new Ext4Sink(writer) : new TeeSink(tree, new Ext4Sink(writer));
            }
            // The commit syncs every output before its rename; flushing the image as it grows
            // keeps that sync short. A scratch image (only qcow2 is wanted) never needs the disk.
            try (BackgroundFlush flush = rawIsOutput ? BackgroundFlush.start(channel) : null) {
                drain(entries, progress.wrap(sink));
            }
            if (writer == null) {
                return null;
            }
            return writer.finish();
        } finally {
            if (writer != null) {
                writer.close();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** Writes one output's temporary from the finished raw image or the collected tree. */
    private void derive(BuildRequest request, OutputSpec o, Path temporary, Path raw, SpooledTree tree,
                        List<AtomicOutput> scratch) throws IOException {
        TreeOutputs trees = tree == null ? null
                : new TreeOutputs(tree, request.plan().strict(), w -> log.println("kiln: warning: " + w));
        String what = o.format() + " " + o.path();
        switch (o.format()) {
            case EXT4 -> { }   // the writer wrote it in place
            case QCOW2 -> Qcow2Writer.convert(raw, temporary);
            case INITRAMFS -> trees.initramfs(temporary, what, o.compression());
            case TAR -> trees.tar(temporary, what, o.compression());
            case KERNEL_INITRD -> {
                OutputPlan.KernelSpec k = request.plan().kernel();
                Path kernel = k.file();
                if (kernel == null && k.image() != null) {
                    AtomicOutput kernelScratch = AtomicOutput.scratch(temporary.getParent(), "kiln-kernel");
                    scratch.add(kernelScratch);
                    kernel = kernelScratch.temporary();
                    extractKernel(request, k.image(), kernel);
                }
                trees.kernelInitrd(temporary, what, o.compression(), kernel, k.fullCmdline());
            }
        }
    }

    /** Copies /kernel or the last /boot/vmlinuz* of another image (LinuxKit's kernel images). */
    private static void extractKernel(BuildRequest request, String reference, Path target) throws IOException {
        byte[] best = null;
        try (Image image = Sources.open(reference, request.sourceOptions());
             EntryStream entries = Flattener.flatten(image)) {
            for (Entry e = entries.next(); e != null; e = entries.next()) {
                String path = e.pathString();
                boolean top = path.equals("kernel");
                boolean boot = path.startsWith("boot/vmlinuz") && path.indexOf('/', 5) < 0;
                if (e.type() != EntryType.FILE || !(top || boot)) {
                    continue;
                }
                if (best != null && new String(best, StandardCharsets.UTF_8).equals("kernel")) {
                    continue;   // /kernel wins over /boot
                }
                if (top || best == null || java.util.Arrays.compareUnsigned(e.path(), best) > 0) {
                    best = e.path();
                    // Not closed: the entry's stream belongs to the layer reader.
                    InputStream in = e.content();
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (best == null) {
            throw new KilnException(reference + ": kernel image has no /kernel or /boot/vmlinuz*");
        }
    }

    private static AtomicOutput first(Map<OutputSpec, AtomicOutput> outputs, OutputFormat format) {
        return outputs.entrySet().stream().filter(e -> e.getKey().format() == format).findFirst().orElseThrow()
                .getValue();
    }

    static void drain(EntryStream entries, EntrySink sink) throws IOException {
        for (Entry e = entries.next(); e != null; e = entries.next()) {
            sink.accept(e);
        }
    }
}
