package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.UnsupportedInput;
import dev.kiln.entry.EntryStream;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Platform;
import dev.kiln.run.Arch;
import dev.kiln.run.StepCommand;
import dev.kiln.run.StepMachine;
import dev.kiln.run.StepResult;
import dev.kiln.run.StepRunner;
import dev.kiln.run.VmSpec;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs a build's steps and hands on the tree they leave:
 *
 * <pre>
 * base tree (+ copies) -> scratch ext4 -> boot: step k -> read back -> compact tree in the cache
 *                                          ^---- next run step (copies in between rewrite the disk)
 * last tree (+ copies after the last run) -> {@link #open()} -> guest stage -> outputs
 * </pre>
 *
 * Each run step is one boot ({@link StepRunner}) on a scratch disk with room to spare. Its
 * result is read back with Kiln's ext4 reader, without the mount points the step VM made
 * ({@link MountPoints}), and kept in the {@link StepCache} under the step's key
 * ({@link StepKeys}); the outputs are made from that same cached image, so a build and its
 * rebuild from the cache give the same bytes. A rebuild starts after the last step whose tree
 * is cached; when that is the last run step, no VM boots at all.
 *
 * <p>Nothing of this is an output: scratch disks live beside the outputs while the build runs
 * and go when it ends, however it ends.
 */
public final class StepBuild implements Closeable {

    /** Where the build's lines go. */
    public interface Log {
        /** Kiln's own line about a step ("step 2/3: cached: run: make"). */
        void note(String line);

        /** A line a step printed, prefixed "[step N] ". */
        void output(String line);
    }

    /** Opens the flattened base tree. */
    @FunctionalInterface
    public interface Opener {
        EntryStream open() throws IOException;
    }

    /**
     * The tree the steps start from.
     *
     * @param digest the resolved manifest digest, when the source has one: the cache key needs no
     *               pass over the tree then (and a fully cached build reads no layer). Null: the
     *               tree is hashed while it is written to the first scratch disk.
     * @param opener opened at most once
     */
    public record Base(String digest, Opener opener) {
    }

    /**
     * Everything about the build besides its steps.
     *
     * @param kernel    the step VM's kernel (resolved); its architecture must be the image's
     * @param cacheRoot the cache directory (the blob cache's root); step trees go in its steps/
     * @param scratch   where scratch disks go (beside the outputs)
     * @param timestamp SOURCE_DATE_EPOCH: the time of what Kiln creates (copied files included)
     * @param platform  the image's "os/arch[/variant]"
     * @param config    the image's config: Env and WorkingDir of the run steps
     * @param vmLog     notes of the VM runner (which accelerator)
     */
    public record Context(Path kernel, Path cacheRoot, Path scratch, long timestamp, String platform,
                          ImageConfig config, Log log, PrintStream vmLog) {
    }

    private final Tree last;
    private final List<HostCopy.Planned> trailing;
    private final long timestamp;

    private StepBuild(Tree last, List<HostCopy.Planned> trailing, long timestamp) {
        this.last = last;
        this.trailing = List.copyOf(trailing);
        this.timestamp = timestamp;
    }

    /**
     * Runs (or takes from the cache) every step of {@code plan} on {@code base}.
     *
     * @throws KilnException naming the step when one fails: its number, command, exit status (or
     *                       time limit) and last output lines
     */
    public static StepBuild run(StepPlan plan, Base base, Context c) throws IOException, InterruptedException {
        List<Step> steps = plan.steps();
        List<HostCopy.Planned> copies = new ArrayList<>();
        for (Step s : steps) {
            copies.add(s instanceof Step.Copy copy ? HostCopy.plan(copy) : null);
        }
        if (!plan.hasRuns()) {
            // copies alone: no VM, nothing worth caching
            for (int i = 0; i < steps.size(); i++) {
                c.log().note(label(i, steps) + steps.get(i).describe());
            }
            return new StepBuild(new Tree.Base(base.opener()), copies, c.timestamp());
        }
        checkArchitecture(c.kernel(), c.platform());
        return new Runner(plan, c, copies).run(base);
    }

    /** The architecture of {@code kernel} must be the image's: an arm64 image needs an arm64 kernel. */
    static void checkArchitecture(Path kernel, String platform) throws IOException {
        Arch kernelArch = Arch.ofKernel(kernel);
        Arch imageArch;
        try {
            imageArch = Arch.parse(Platform.parse(platform).architecture());
        } catch (UnsupportedInput e) {
            throw new UnsupportedInput("platform " + platform, "build steps run images for linux/amd64 and "
                    + "linux/arm64 only");
        }
        if (imageArch != kernelArch) {
            throw new KilnException(kernel + ": an " + kernelArch + " kernel, but the image is " + platform
                    + "; build steps need a kernel of the image's architecture (" + imageArch + ")");
        }
    }

    static String label(int index, List<Step> steps) {
        return "step " + (index + 1) + "/" + steps.size() + ": ";
    }

    /** The tree after the last step (with the copies after the last run step). */
    public EntryStream open() throws IOException {
        EntryStream tree = last.open();
        List<HostCopy.Planned> copies = trailing.stream().filter(java.util.Objects::nonNull).toList();
        return copies.isEmpty() ? tree : new CopyStage(tree, copies, timestamp);
    }

    @Override
    public void close() throws IOException {
        last.close();
    }

    /** The message of a step that failed or ran too long. */
    static KilnException failure(int number, Step.Run step, StepResult r, Duration timeout) {
        StringBuilder m = new StringBuilder("step " + number + " (" + Step.oneLine(step.command()) + ")");
        if (r.outcome() == StepResult.Outcome.TIMED_OUT) {
            m.append(" ran past --step-timeout ").append(timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s"
                    : timeout.toMillis() + "ms").append(" and was stopped");
        } else {
            m.append(" failed with exit status ").append(r.exitStatus());
        }
        if (r.lastLines().isEmpty()) {
            m.append("; it printed nothing");
        } else {
            m.append("; its last lines:");
            r.lastLines().forEach(line -> m.append("\n  ").append(line));
        }
        return new KilnException(m.toString());
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** One build's walk through its steps. */
    private static final class Runner {
        private final StepPlan plan;
        private final Context c;
        private final List<Step> steps;
        private final List<HostCopy.Planned> copies;
        private final StepCache cache;
        private final StepRunner vm;
        /** The tree after the steps done so far (base, or a cached tree). */
        private Tree current;
        /** A scratch disk holding {@link #current} plus the copies not in {@link #pending}; or null. */
        private Tree.ScratchDisk scratch;
        /** Copy steps after {@link #current}, not yet on a disk. */
        private final List<HostCopy.Planned> pending = new ArrayList<>();

        Runner(StepPlan plan, Context c, List<HostCopy.Planned> copies) {
            this.plan = plan;
            this.c = c;
            this.steps = plan.steps();
            this.copies = copies;
            this.cache = new StepCache(c.cacheRoot());
            this.vm = new StepRunner(new StepMachine(c.kernel(), plan.cpus(), plan.qemuMemory(), plan.timeout(),
                    VmSpec.Accel.AUTO), c.vmLog());
        }

        StepBuild run(Base base) throws IOException, InterruptedException {
            try {
                return walk(base);
            } catch (IOException | RuntimeException | InterruptedException | Error e) {
                closeAll(e);
                throw e;
            }
        }

        private StepBuild walk(Base base) throws IOException, InterruptedException {
            current = new Tree.Base(base.opener());
            int firstRun = 0;
            while (!(steps.get(firstRun) instanceof Step.Run)) {
                firstRun++;
            }
            String sourceDigest = base.digest();
            if (sourceDigest == null) {
                // No manifest digest: the tree is hashed on its way to the first scratch disk,
                // with the copies before the first run step (a cache hit makes this disk moot).
                TreeDigest digest = new TreeDigest(current.open());
                scratch = Tree.ScratchDisk.write(new CopyStage(digest, copies.subList(0, firstRun).stream()
                        .filter(java.util.Objects::nonNull).toList(), c.timestamp()), c.scratch(), c.timestamp());
                sourceDigest = digest.digest();
            }
            List<String> keys = StepKeys.chain(StepKeys.base(sourceDigest, c.platform(), c.timestamp()), digests());
            int from = plan.useCache() ? lastCached(keys) : 0;
            if (from > 0) {
                dropScratch();
            }
            boolean firstCopiesOnDisk = base.digest() == null && from == 0;
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                if (i < from) {
                    c.log().note(label(i, steps) + "cached: " + step.describe());
                } else if (step instanceof Step.Copy) {
                    c.log().note(label(i, steps) + step.describe());
                    if (!(firstCopiesOnDisk && i < firstRun)) {
                        pending.add(copies.get(i));   // else on the first scratch disk already
                    }
                } else {
                    runStep(i, (Step.Run) step, keys.get(i));
                }
            }
            dropScratch();
            StepBuild done = new StepBuild(current, pending, c.timestamp());
            current = null;
            return done;
        }

        /** What each step adds to the keys. */
        private List<String> digests() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i) instanceof Step.Run run) {
                    out.add(StepKeys.run(command(run)));
                } else {
                    out.add(StepKeys.copy(((Step.Copy) steps.get(i)).path(), copies.get(i).digest()));
                }
            }
            return out;
        }

        /** The number of steps whose result the cache holds: after the last cached run step; 0 for none. */
        private int lastCached(List<String> keys) throws IOException {
            for (int i = steps.size() - 1; i >= 0; i--) {
                if (steps.get(i) instanceof Step.Run) {
                    Optional<Tree> hit = Tree.Cached.find(cache, keys.get(i));
                    if (hit.isPresent()) {
                        current = hit.get();
                        return i + 1;
                    }
                }
            }
            return 0;
        }

        private StepCommand command(Step.Run run) {
            return StepCommand.onImage(c.config(), run.command(), run.env(), run.user(), run.workdir(),
                    run.network() != null ? run.network() : plan.network());
        }

        private void runStep(int i, Step.Run step, String key) throws IOException, InterruptedException {
            if (scratch == null || !pending.isEmpty()) {
                dropScratch();
                EntryStream tree = current.open();
                scratch = Tree.ScratchDisk.write(pending.isEmpty() ? tree
                        : new CopyStage(tree, pending, c.timestamp()), c.scratch(), c.timestamp());
                pending.clear();
            }
            try (StepCache.Lock ignored = cache.lock(key)) {
                if (plan.useCache()) {
                    // another build of the same steps may have finished this one while we waited
                    Optional<Tree> hit = Tree.Cached.find(cache, key);
                    if (hit.isPresent()) {
                        replaceCurrent(hit.get());
                        dropScratch();
                        c.log().note(label(i, steps) + "cached: " + step.describe());
                            return;
                    }
                }
                c.log().note(label(i, steps) + step.describe());
                StepResult r = vm.run(scratch.file(), command(step), "step " + (i + 1), c.log()::output);
                if (!r.succeeded()) {
                    throw failure(i + 1, step, r, plan.timeout());
                }
                long readStart = System.nanoTime();
                cache.describe(new StepCache.Meta(key, i + 1, step.describe(), current.describe()));
                Path target = cache.target(key);
                TreeFiles.compact(scratch.readBack(), target, c.timestamp());
                replaceCurrent(Tree.Cached.find(cache, key).orElseThrow(() -> new KilnException(target
                        + ": vanished right after it was written (a kiln cache prune at the same time?)")));
                Duration readBack = Duration.ofNanos(System.nanoTime() - readStart);
                c.log().note(label(i, steps) + "done: boot " + seconds(r.boot()) + ", command " + seconds(r.step())
                        + ", VM total " + seconds(r.total()) + ", read back " + seconds(readBack));
            }
        }

        private void replaceCurrent(Tree next) throws IOException {
            Tree old = current;
            current = next;
            if (old != null && old != scratch) {
                old.close();
            }
        }

        private void dropScratch() throws IOException {
            if (scratch != null) {
                Tree s = scratch;
                scratch = null;
                s.close();
            }
        }

        private void closeAll(Throwable failure) {
            for (Closeable c : new Closeable[] {scratch, current}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }
}
