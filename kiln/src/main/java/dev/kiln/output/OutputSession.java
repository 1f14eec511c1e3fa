package dev.kiln.output;

import dev.kiln.entry.EntrySink;
import dev.kiln.ext4.Ext4Exception;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.ext4.Ext4Writer;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The one way to write a build's outputs: {@link #open} a plan (every target is checked and
 * gets its temporary beside it), {@link #start} to get the sink the final entries go to, then
 * {@link #finish} (every output is made from the ext4 image or the collected tree, and the
 * published ones are renamed into place together). {@link #close} removes whatever was not
 * published; scratch outputs live until then.
 *
 * <pre>
 * try (OutputSession outputs = OutputSession.open(plan, options)) {
 *     EntryStream entries = ...;          // opening it starts decompressing layers
 *     EntrySink sink = outputs.start();   // the writer is set up meanwhile
 *     ... every entry to sink ...
 *     WrittenOutputs written = outputs.finish();
 * }
 * </pre>
 *
 * <p>One pass feeds up to two sinks: the ext4 writer (for ext4 and qcow2, the qcow2 converted
 * from the finished raw image) and the tree collector (for initramfs, kernel+initrd and tar,
 * which need the whole tree before they can be written). Standard output is written last of
 * all: it cannot be taken back, so every file output is written first.
 */
public final class OutputSession implements Closeable {

    /**
     * Everything besides the plan.
     *
     * @param ext4         how the filesystem is laid out (ext4 and qcow2 outputs)
     * @param timestamp    mtime of directories the tree collector creates (SOURCE_DATE_EPOCH)
     * @param warnings     receives each warning as it happens (they are in the result too)
     * @param stdout       where an output named {@code -} goes; never closed
     * @param kernelImage  opens the image named by the plan's {@code kernel.image}; needed only then
     * @param digestImages also hash ext4 and qcow2 outputs (one more read of each image: about
     *                     2 s per GiB here, holes included); streamed outputs are always hashed
     */
    public record Options(Ext4Options ext4, long timestamp, Consumer<String> warnings, OutputStream stdout,
                          KernelSource.Opener kernelImage, boolean digestImages) {
        public Options {
            Objects.requireNonNull(ext4, "ext4");
            Objects.requireNonNull(warnings, "warnings");
            Objects.requireNonNull(stdout, "stdout");
        }

        /** The process's standard output (file descriptor 1), warnings only in the result. */
        public static Options of(Ext4Options ext4, long timestamp) {
            return new Options(ext4, timestamp, w -> { }, new FileOutputStream(FileDescriptor.out), null, false);
        }

        public Options withWarnings(Consumer<String> to) {
            return new Options(ext4, timestamp, to, stdout, kernelImage, digestImages);
        }

        public Options withStdout(OutputStream to) {
            return new Options(ext4, timestamp, warnings, to, kernelImage, digestImages);
        }

        public Options withKernelImage(KernelSource.Opener opener) {
            return new Options(ext4, timestamp, warnings, stdout, opener, digestImages);
        }

        public Options withDigestImages(boolean digest) {
            return new Options(ext4, timestamp, warnings, stdout, kernelImage, digest);
        }
    }

    private enum State { OPEN, WRITING, FINISHED, CLOSED }

    private final OutputPlan plan;
    private final Options options;
    /** Every file output (published or scratch) and its temporary, in the plan's order. */
    private final Map<OutputSpec, AtomicOutput> files = new LinkedHashMap<>();
    /** A raw image that only a qcow2 needs. */
    private AtomicOutput rawScratch;
    private final List<String> warnings = new ArrayList<>();
    private State state = State.OPEN;
    private SpooledTree tree;
    private FileChannel channel;
    private Ext4Writer writer;
    private BackgroundFlush flush;
    private Path raw;
    /** What is being written, to name it when the system's error does not ("No space left on device"). */
    private String writing;

    private OutputSession(OutputPlan plan, Options options) {
        this.plan = plan;
        this.options = options;
        this.writing = plan.scratchDirectory().toString();
    }

    /**
     * Checks every target and reserves its temporary; nothing is written yet. Fails, changing
     * nothing, when a target may not be replaced ({@link #checkTargets}).
     */
    public static OutputSession open(OutputPlan plan, Options options) throws IOException {
        if (plan.outputs().isEmpty()) {
            throw new IllegalArgumentException("an output plan without outputs");
        }
        boolean kernelInitrd = plan.outputs().stream().anyMatch(o -> o.format() == OutputFormat.KERNEL_INITRD);
        if (kernelInitrd && plan.kernel().image() != null && options.kernelImage() == null) {
            throw new IllegalArgumentException("kernel image " + plan.kernel().image() + " given, but no way to open it");
        }
        OutputSession session = new OutputSession(plan, options);
        try {
            for (OutputSpec o : plan.outputs()) {
                if (o.toStdout()) {
                    continue;
                }
                session.files.put(o, o.scratch() ? AtomicOutput.scratch(o.path(), "kiln-" + o.format())
                        : o.format() == OutputFormat.KERNEL_INITRD
                        ? AtomicOutput.directory(o.path(), TreeOutputs.KERNEL_INITRD_FILES)
                        : AtomicOutput.file(o.path()));
            }
            return session;
        } catch (IOException | RuntimeException e) {
            session.closeQuietly(e);
            throw e;
        }
    }

    /**
     * Checks, changing nothing, that every published target may be replaced (see
     * {@link AtomicOutput#checkFileTarget}): for a caller that wants to fail before it does any
     * other work (opening a source costs a download).
     */
    public static void checkTargets(OutputPlan plan) throws IOException {
        for (OutputSpec o : plan.outputs()) {
            if (o.toStdout() || o.scratch()) {
                continue;
            }
            if (o.format() == OutputFormat.KERNEL_INITRD) {
                AtomicOutput.checkDirectoryTarget(o.path(), TreeOutputs.KERNEL_INITRD_FILES);
            } else {
                AtomicOutput.checkFileTarget(o.path());
            }
        }
    }

    /**
     * Sets up the writers and returns the sink every final entry goes to, in order. Call it
     * after the entry stream is opened: the newest layers decompress while this runs.
     */
    public EntrySink start() throws IOException {
        if (state != State.OPEN) {
            throw new IllegalStateException("start() once, after open()");
        }
        state = State.WRITING;
        try {
            EntrySink sink = null;
            if (plan.needsExt4()) {
                boolean rawIsPublished = chooseRaw();
                Path rawDir = raw.getParent();
                writing = plan.needsTree() && !rawDir.equals(plan.scratchDirectory())
                        ? rawDir + ", " + plan.scratchDirectory() : rawDir.toString();
                if (plan.needsTree()) {
                    tree = new SpooledTree(plan.scratchDirectory(), options.timestamp());
                }
                channel = FileChannel.open(raw, StandardOpenOption.WRITE, StandardOpenOption.READ);
                writer = new Ext4Writer(channel, options.ext4());
                sink = tree == null ? new Ext4Sink(writer) : new TeeSink(tree, new Ext4Sink(writer));
                // Every published output is synced before its rename; flushing the image as it grows
                // keeps that sync short. A scratch image is never synced: it never needs the disk.
                if (rawIsPublished) {
                    flush = BackgroundFlush.start(channel);
                }
            } else {
                tree = new SpooledTree(plan.scratchDirectory(), options.timestamp());
                sink = tree;
            }
            EntrySink inner = sink;
            return entry -> {
                try {
                    inner.accept(entry);
                } catch (IOException e) {
                    throw WriteFailures.named(writing, e);
                }
            };
        } catch (IOException e) {
            throw WriteFailures.named(writing, e);
        }
    }

    /**
     * Where the ext4 writer writes: the first ext4 output's temporary (published first), else a
     * scratch file beside the first qcow2. Returns whether it is a published output.
     */
    private boolean chooseRaw() throws IOException {
        Optional<Map.Entry<OutputSpec, AtomicOutput>> ext4 = files.entrySet().stream()
                .filter(e -> e.getKey().format() == OutputFormat.EXT4)
                .min((a, b) -> Boolean.compare(a.getKey().scratch(), b.getKey().scratch()));
        if (ext4.isPresent()) {
            raw = ext4.get().getValue().temporary();
            return !ext4.get().getKey().scratch();
        }
        AtomicOutput qcow2 = files.entrySet().stream().filter(e -> e.getKey().format() == OutputFormat.QCOW2)
                .findFirst().orElseThrow().getValue();
        rawScratch = AtomicOutput.scratch(qcow2.temporary().getParent(), "kiln-raw");
        raw = rawScratch.temporary();
        return false;
    }

    /**
     * Finishes the filesystem, writes every other output from it or from the tree, standard
     * output last, and publishes the file outputs together. On failure nothing is published.
     */
    public WrittenOutputs finish() throws IOException {
        if (state != State.WRITING) {
            throw new IllegalStateException("finish() once, after start()");
        }
        state = State.FINISHED;
        try {
            Ext4Summary summary = finishExt4();
            TreeOutputs trees = tree == null ? null : new TreeOutputs(tree, plan.strict(), this::warn);
            Map<OutputSpec, WrittenOutput> written = new LinkedHashMap<>();
            for (Map.Entry<OutputSpec, AtomicOutput> e : files.entrySet()) {
                OutputSpec o = e.getKey();
                Path temporary = e.getValue().temporary();
                writing = o.scratch() ? temporary.toString() : o.path().toString();
                String sha256 = derive(o, temporary, trees);
                if (sha256 == null && options.digestImages() && o.format().fromExt4()) {
                    sha256 = sha256(temporary);
                }
                written.put(o, new WrittenOutput(o.format(), o.scratch() ? temporary : o.path(), o.scratch(),
                        size(temporary), sha256, o.format().fromExt4() ? null : o.compression()));
            }
            Optional<OutputSpec> toStdout = plan.stdout();
            if (toStdout.isPresent()) {
                written.put(toStdout.get(), writeStdout(toStdout.get(), trees));
            }
            List<AtomicOutput> published = files.entrySet().stream().filter(e -> !e.getKey().scratch())
                    .map(Map.Entry::getValue).toList();
            writing = files.keySet().stream().filter(o -> !o.scratch()).map(o -> o.path().toString())
                    .collect(Collectors.joining(", "));
            AtomicOutput.commitAll(published);
            releaseScratchOfOurOwn();
            List<WrittenOutput> inPlanOrder = plan.outputs().stream().map(written::get).toList();
            return new WrittenOutputs(inPlanOrder, summary, warnings);
        } catch (IOException e) {
            throw WriteFailures.named(writing, e);
        }
    }

    /** The spool and a raw image only a qcow2 needed go now: scratch outputs may live on a while. */
    private void releaseScratchOfOurOwn() throws IOException {
        if (tree != null) {
            tree.close();
            tree = null;
        }
        if (rawScratch != null) {
            rawScratch.close();
            rawScratch = null;
        }
    }

    private Ext4Summary finishExt4() throws IOException {
        if (writer == null) {
            return null;
        }
        if (flush != null) {
            flush.close();
            flush = null;
        }
        Ext4Summary summary;
        try {
            summary = writer.finish();
        } catch (Ext4Exception refused) {   // e.g. the tree does not fit the --size given
            throw Ext4Sink.refusal(refused);
        }
        closeWriter();
        summary.warnings().forEach(this::warn);   // e.g. clamped times, once
        return summary;
    }

    /** Writes one output's temporary; returns its SHA-256 when it came for free. */
    private String derive(OutputSpec o, Path temporary, TreeOutputs trees) throws IOException {
        String what = o.format() + " " + (o.scratch() ? temporary : o.path());
        switch (o.format()) {
            case EXT4 -> {
                if (!temporary.equals(raw)) {
                    SparseCopy.copy(raw, temporary);   // a second ext4 output (a scratch disk, say)
                }
                return null;
            }
            case QCOW2 -> {
                Qcow2Writer.convert(raw, temporary);
                return null;
            }
            case INITRAMFS, TAR -> {
                CountingDigest out = new CountingDigest(Files.newOutputStream(temporary));
                if (o.format() == OutputFormat.TAR) {
                    trees.tar(out, what, o.compression());
                } else {
                    trees.initramfs(out, what, o.compression());
                }
                return out.digest();
            }
            case KERNEL_INITRD -> {
                trees.kernelInitrd(temporary, what, o.compression(), kernelSource(), plan.kernel().fullCmdline());
                return null;
            }
            default -> throw new IllegalStateException("unknown format " + o.format());
        }
    }

    private KernelSource kernelSource() {
        OutputPlan.KernelSpec k = plan.kernel();
        if (k.file() != null) {
            return new KernelSource.HostFile(k.file());
        }
        if (k.image() != null) {
            return new KernelSource.OtherImage(k.image(), options.kernelImage());
        }
        return new KernelSource.BuiltTree();
    }

    /** Writes a tar or initramfs output to standard output, never closing it. */
    private WrittenOutput writeStdout(OutputSpec o, TreeOutputs trees) throws IOException {
        CountingDigest out = new CountingDigest(new NamedOutputStream(TreeOutputs.keepOpen(options.stdout()),
                o.where()));
        String what = o.format() + " to " + o.where();
        if (o.format() == OutputFormat.TAR) {
            trees.tar(out, what, o.compression());
        } else {
            trees.initramfs(out, what, o.compression());
        }
        return new WrittenOutput(o.format(), o.path(), false, out.count(), out.digest(), o.compression());
    }

    private void warn(String warning) {
        warnings.add(warning);
        options.warnings().accept(warning);
    }

    /** A file's length, or the lengths of a directory's files added up. */
    private static long size(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return Files.size(path);
        }
        long total = 0;
        try (var children = Files.list(path)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                total += Files.size(child);
            }
        }
        return total;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (in.read(buffer) >= 0) {
                buffer.flip();
                md.update(buffer);
                buffer.clear();
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private void closeWriter() throws IOException {
        try {
            if (writer != null) {
                writer.close();
            }
        } finally {
            writer = null;
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }

    /**
     * Removes every temporary that was not published (all of them after a failure) and every
     * scratch output. Published outputs stay.
     */
    @Override
    public void close() throws IOException {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        IOException failure = null;
        List<Closeable> steps = new ArrayList<>();
        if (flush != null) {
            steps.add(flush::close);
        }
        steps.add(this::closeWriter);
        files.values().forEach(f -> steps.add(f::close));
        if (tree != null) {
            steps.add(tree);
        }
        if (rawScratch != null) {
            steps.add(rawScratch::close);
        }
        for (Closeable step : steps) {
            try {
                step.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void closeQuietly(Exception into) {
        try {
            close();
        } catch (IOException e) {
            into.addSuppressed(e);
        }
    }
}
