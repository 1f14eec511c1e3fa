package dev.kiln.guest;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.run.VmResult;
import dev.kiln.run.VmRunner;
import dev.kiln.run.VmSpec;
import dev.kiln.source.ImageConfig;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Boot-test plumbing: the test kernel, images built from a directory plus GuestStage, QEMU boots. */
final class BootSupport {
    /** A main program that prints what it sees (ids, cwd, args, env, mounts), one "show: " line each. */
    static final String SHOW = """
            #!/bin/sh
            echo "show: uid=$(id -u) gid=$(id -g) groups=$(id -G)"
            echo "show: cwd=$(pwd)"
            for a in "$0" "$@"; do echo "show: arg=$a"; done
            env | sort | sed 's/^/show: env /'
            echo "show: hostname=$(hostname)"
            echo "show: lo=$(cat /sys/class/net/lo/operstate) $(cat /sys/class/net/lo/flags)"
            echo "show: pid1=$(cat /proc/1/comm)"
            grep -E ' (/dev|/dev/pts|/dev/shm|/run|/tmp|/proc|/sys) ' /proc/mounts | cut -d' ' -f2,3 | sed 's/^/show: mount /'
            exit ${EXIT_CODE:-0}
            """;

    private BootSupport() {
    }

    /** The kernel from $KILN_TEST_KERNEL or -Dkiln.test.kernel; skips the test when there is none. */
    static Path kernel() {
        String k = System.getenv("KILN_TEST_KERNEL");
        if (k == null || k.isBlank()) {
            k = System.getProperty("kiln.test.kernel");
        }
        Assumptions.assumeTrue(k != null && Files.isRegularFile(Path.of(k)),
                "no boot-test kernel: set KILN_TEST_KERNEL or -Dkiln.test.kernel (see ../shared/kernel)");
        Tools.assumeTools("qemu-system-x86_64", "mkfs.ext4", "debugfs", "e2fsck");
        return Path.of(k);
    }

    /**
     * Builds an ext4 image from {@code root} as GuestStage sees it: the tree is walked into
     * entries, GuestStage adds its own, and mkfs.ext4 -d writes a copy of the tree with the
     * additions applied. {@code skip} drops image paths (to turn an image into one without init).
     */
    static void buildImage(Path root, ImageConfig config, GuestConfig guest, Path image, Predicate<String> skip)
            throws IOException {
        Path staging = image.resolveSibling(image.getFileName() + ".tree");
        Tools.check("cp", "-a", root.toString() + "/.", staging.toString() + "/");
        Set<Entry> fromImage = Collections.newSetFromMap(new IdentityHashMap<>());
        List<String> skipped = new ArrayList<>();
        EntryStream walked = walk(root, skip, fromImage, skipped);
        for (String s : skipped) {
            Tools.check("rm", "-rf", staging.resolve(s).toString());
        }
        // image entries are already in the copy; only what GuestStage adds is written
        Entries.materialize(filter(GuestStage.apply(walked, config, guest, 0), e -> !fromImage.contains(e)), staging);
        long mib = Long.parseLong(Tools.check("du", "-sm", staging.toString()).split("\\s+")[0]);
        Tools.check("mkfs.ext4", "-q", "-F", "-L", "kiln-test", "-d", staging.toString(), image.toString(),
                (mib * 13 / 10 + 64) + "M");
        Tools.check("rm", "-rf", staging.toString());
    }

    private static EntryStream walk(Path root, Predicate<String> skip, Set<Entry> fromImage, List<String> skipped)
            throws IOException {
        List<Path> paths;
        try (Stream<Path> s = Files.walk(root)) {
            paths = s.sorted().toList();
        }
        var it = paths.iterator();
        return new EntryStream() {
            private InputStream open;

            @Override
            public Entry next() throws IOException {
                if (open != null) {
                    open.close();
                    open = null;
                }
                while (it.hasNext()) {
                    Path p = it.next();
                    String rel = root.relativize(p).toString();
                    if (rel.isEmpty()) {
                        continue;
                    }
                    if (skip.test(rel)) {
                        skipped.add(rel);
                        continue;
                    }
                    byte[] path = rel.getBytes(StandardCharsets.UTF_8);
                    Entry e;
                    if (Files.isSymbolicLink(p)) {
                        e = Entry.symlink(path, Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8), 0, 0, 0);
                    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        e = Entry.directory(path, 0755, 0, 0, 0);
                    } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        open = Files.newInputStream(p);
                        e = Entry.file(path, 0644, 0, 0, 0, Files.size(p), open);
                    } else {
                        continue; // devices and fifos are copied by cp -a; GuestStage does not care
                    }
                    fromImage.add(e);
                    return e;
                }
                return null;
            }

            @Override
            public void close() throws IOException {
                if (open != null) {
                    open.close();
                }
            }
        };
    }

    private static EntryStream filter(EntryStream in, Predicate<Entry> keep) {
        return new EntryStream() {
            @Override
            public Entry next() throws IOException {
                for (Entry e = in.next(); e != null; e = in.next()) {
                    if (keep.test(e)) {
                        return e;
                    }
                }
                return null;
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    /** A finished boot: how it ended, and the console lines with their times since QEMU started. */
    record Boot(VmResult result, List<String> lines, List<Long> millis, String console) {
        /** Milliseconds from starting QEMU to the first line containing {@code marker}, or -1. */
        long timeTo(String marker) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(marker)) {
                    return millis.get(i);
                }
            }
            return -1;
        }
    }

    static Boot boot(VmSpec spec) {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        List<Long> millis = Collections.synchronizedList(new ArrayList<>());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        long start = System.nanoTime();
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                console.write(b);
                System.out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                console.write(b, off, len);
                System.out.write(b, off, len);
            }
        };
        try {
            VmResult r = new VmRunner(tee, new PrintStream(System.err, true), line -> {
                millis.add((System.nanoTime() - start) / 1_000_000);
                lines.add(line);
            }).run(spec);
            System.out.println("[boot] " + r + " in " + r.elapsed().toMillis() + " ms");
            return new Boot(r, List.copyOf(lines), List.copyOf(millis), console.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static VmSpec tcg(Path image, Path kernel, Duration timeout) {
        return VmSpec.of(image, kernel).withAccel(VmSpec.Accel.TCG).withTimeout(timeout).withAppend("quiet");
    }
}
