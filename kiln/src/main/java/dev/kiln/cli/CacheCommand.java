package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.source.registry.BlobCache;
import dev.kiln.steps.StepCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "cache", mixinStandardHelpOptions = true,
        description = "Shows or cleans the registry blob cache and the build step cache ($XDG_CACHE_HOME/kiln, "
                + "or --cache-dir).",
        subcommands = {CacheCommand.Ls.class, CacheCommand.Prune.class})
public final class CacheCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new KilnException("cache: name a subcommand: ls or prune");
    }

    static final class Where {
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Blob cache. Default: $XDG_CACHE_HOME/kiln.")
        Path cacheDir;

        BlobCache cache() {
            return BlobCache.at(cacheDir, System.getenv());
        }

        StepCache steps() {
            return new StepCache(cache().root());
        }
    }

    static String size(long n) {
        double v = n;
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = "Lists cached blobs, then the trees of build steps, most recently used first.")
    static final class Ls implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Override
        public Integer call() throws Exception {
            BlobCache cache = where.cache();
            List<BlobCache.Blob> blobs = cache.list();
            PrintStream out = System.out;
            long total = 0;
            for (BlobCache.Blob b : blobs) {
                out.printf(Locale.ROOT, "%s  %10s  %s%n", b.digest(), size(b.size()), b.lastUsed().truncatedTo(ChronoUnit.SECONDS));
                total += b.size();
            }
            out.println(blobs.size() + " blobs, " + size(total) + " in " + cache.root());
            // ---- build steps (issue 12) ----
            StepCache steps = where.steps();
            List<StepCache.Entry> trees = steps.list();
            long treeTotal = 0;
            for (StepCache.Entry e : trees) {
                out.printf(Locale.ROOT, "step %s  %10s  %s  step %d: %s%n", e.key(), size(e.size()),
                        e.lastUsed().truncatedTo(ChronoUnit.SECONDS), e.number(), e.step());
                treeTotal += e.size();
            }
            out.println(trees.size() + " step trees, " + size(treeTotal) + " in " + steps.directory());
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Removes cached blobs and build step trees (all, or those unused for --older-than DAYS) "
                    + "and abandoned partial downloads.")
    static final class Prune implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Where where = new Where();

        @Option(names = "--older-than", paramLabel = "DAYS",
                description = "Only blobs and step trees last used more than DAYS days ago.")
        Double olderThanDays;

        @Override
        public Integer call() throws Exception {
            if (olderThanDays != null && olderThanDays < 0) {
                throw new KilnException("--older-than " + olderThanDays + ": must not be negative");
            }
            Instant cutoff = olderThanDays == null ? null
                    : Instant.now().minus(Duration.ofSeconds((long) (olderThanDays * 86400)));
            BlobCache cache = where.cache();
            List<BlobCache.Blob> removed = cache.prune(cutoff);
            System.out.println("removed " + removed.size() + " blobs, "
                    + size(removed.stream().mapToLong(BlobCache.Blob::size).sum()) + " from " + cache.root());
            StepCache steps = where.steps();
            List<StepCache.Entry> trees = steps.prune(cutoff);
            System.out.println("removed " + trees.size() + " step trees, "
                    + size(trees.stream().mapToLong(StepCache.Entry::size).sum()) + " from " + steps.directory());
            return 0;
        }
    }
}
