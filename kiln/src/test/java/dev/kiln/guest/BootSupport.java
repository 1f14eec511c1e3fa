package dev.kiln.guest;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.image.ImageConfig;
import dev.kiln.run.VmResult;
import dev.kiln.run.VmRunner;
import dev.kiln.run.VmSpec;
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
    /**
     * An HTTP server on every address of the host, answering {@code body} to any request: a guest
     * on QEMU's user-mode network reaches it as 10.0.2.2. The caller stops it.
     */
    static com.sun.net.httpserver.HttpServer hostServer(String body) throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

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
            echo "show: machine=$(uname -m)"
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
     * The arm64 kernel from $KILN_TEST_KERNEL_ARM64, -Dkiln.test.kernel.arm64, or else
     * ../shared/kernel-arm64/Image beside the repository; skips the test when there is none.
     */
    static Path kernelArm64() {
        String k = System.getenv("KILN_TEST_KERNEL_ARM64");
        if (k == null || k.isBlank()) {
            k = System.getProperty("kiln.test.kernel.arm64");
        }
        Path kernel = k != null && !k.isBlank() ? Path.of(k)
                : repository().resolveSibling("shared").resolve("kernel-arm64/Image");
        Assumptions.assumeTrue(Files.isRegularFile(kernel), "no arm64 boot-test kernel at " + kernel
                + ": set KILN_TEST_KERNEL_ARM64 or -Dkiln.test.kernel.arm64 (see ../shared/kernel-arm64)");
        Tools.assumeTools("qemu-system-aarch64", "debugfs", "e2fsck");
        return kernel;
    }

    /** The repository's top directory (tests run in the kiln module's directory). */
    static Path repository() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("ext4")) ? here : here.getParent();
    }

    /**
     * Fills {@code root} with a busybox system: {@code busybox} and a link per applet in /bin,
     * users root and app (1000), the {@link #SHOW} program as /usr/bin/show, an
     * /etc/resolv.conf of its own, and a web root /www (index.html, cgi-bin/stop, which stops
     * busybox httpd a moment after answering) for port forwarding tests.
     */
    static void busyboxRoot(Path root, Path busybox) throws IOException {
        for (String d : List.of("bin", "sbin", "usr/bin", "etc", "data", "www/cgi-bin")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.copy(busybox, root.resolve("bin/busybox"));
        Tools.check("chmod", "755", root.resolve("bin/busybox").toString());
        // the applet list of this machine's busybox; Debian builds every architecture alike
        Path hostBusybox = Path.of(Tools.check("sh", "-c", "command -v busybox").trim());
        for (String applet : Tools.check(hostBusybox.toString(), "--list").split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox") && !applet.equals("init")) {
                Files.createSymbolicLink(root.resolve("bin/" + applet.trim()), Path.of("busybox"));
            }
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:App:/home/app:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\napp:x:1000:\naudio:x:29:app\n");
        Files.writeString(root.resolve("etc/resolv.conf"), IMAGE_RESOLV_CONF);
        Files.writeString(root.resolve("usr/bin/show"), SHOW);
        Files.writeString(root.resolve("www/index.html"), WWW_INDEX);
        Files.writeString(root.resolve("www/cgi-bin/stop"), """
                #!/bin/sh
                printf 'Content-Type: text/plain\\r\\n\\r\\nstopping\\n'
                (sleep 1; killall httpd) </dev/null >/dev/null 2>&1 &
                """);
        Tools.check("chmod", "755", root.resolve("usr/bin/show").toString(), root.resolve("www/cgi-bin/stop").toString());
    }

    /**
     * Debian's busybox-static for arm64, extracted; the .deb is fetched once with apt-get
     * download (after dpkg --add-architecture arm64) and kept in target/test-cache. Skips the
     * test when it cannot be fetched (needs root and Debian's mirror).
     */
    static Path arm64Busybox() throws IOException {
        Path cache = Path.of("target/test-cache").toAbsolutePath();
        Path deb = cache.resolve("busybox-static_arm64.deb");
        if (!Files.isRegularFile(deb)) {
            Tools.assumeTools("apt-get", "dpkg");
            Assumptions.assumeTrue(Tools.isRoot(), "fetching busybox-static:arm64 with apt-get needs root (or put the .deb at "
                    + deb + ")");
            Files.createDirectories(cache);
            Path download = Files.createTempDirectory(cache, "apt-");
            if (!Tools.run("dpkg", "--print-foreign-architectures").stdout().contains("arm64")) {
                Tools.check("dpkg", "--add-architecture", "arm64");
                Tools.run("apt-get", "update", "-q");
            }
            List<String> get = List.of("apt-get", "download", "-q", "busybox-static:arm64");
            Tools.Result r = Tools.run(get, download, null, 600);
            if (r.exitCode() != 0) {
                Tools.run("apt-get", "update", "-q");
                r = Tools.run(get, download, null, 600);
            }
            Assumptions.assumeTrue(r.exitCode() == 0, "apt-get download busybox-static:arm64 failed: " + r.output());
            try (Stream<Path> files = Files.list(download)) {
                Path fetched = files.filter(f -> f.toString().endsWith(".deb")).findFirst().orElseThrow();
                Files.move(fetched, deb, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            Tools.check("rm", "-rf", download.toString());
        }
        Path extracted = cache.resolve("busybox-static_arm64");
        if (!Files.isRegularFile(extracted.resolve("bin/busybox"))) {
            Tools.check("dpkg-deb", "-x", deb.toString(), extracted.toString());
        }
        return extracted.resolve("bin/busybox");
    }

    /**
     * Shell functions for the composed machines' driver scripts: {@code wait_for CONDITION} polls
     * for up to three minutes of guest time (TCG on a loaded host is slow), and {@code kill_crash}
     * kills the crash service once it has exec'd its sleep (not while it is still the shell that
     * prints "crash: start"), saying so; polled with wait_for, it cannot miss that moment.
     */
    static final String DRIVER_FUNCTIONS = """
            wait_for() { n=0; until eval "$1" || [ $n -ge 1800 ]; do sleep 0.1; n=$((n+1)); done; }
            kill_crash() {
                for p in /proc/[0-9]*; do
                    [ "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" = "sleep 100001 " ] && kill -9 ${p#/proc/} && echo "driver: killed crash" && return 0
                done
                return 1
            }
            """;

    /**
     * GETs http://127.0.0.1:PORT/PATH, retrying until the guest's server answers, while
     * {@code vm} (the boot) runs; the body.
     */
    static String fetchWhenUp(int port, String path, Duration within, java.util.concurrent.Future<CliRun> vm)
            throws InterruptedException {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5)).build();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
        long end = System.nanoTime() + within.toNanos();
        Exception last = null;
        while (System.nanoTime() < end) {
            if (vm.isDone()) {
                String how;
                try {
                    CliRun r = vm.get();
                    how = "exit " + r.exit() + ": " + r.err();
                } catch (java.util.concurrent.ExecutionException e) {
                    how = String.valueOf(e.getCause());
                }
                throw new AssertionError("the VM ended before http://127.0.0.1:" + port + path + " answered (" + how + ")");
            }
            try {
                var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return response.body();
                }
                last = new IOException("HTTP " + response.statusCode());
            } catch (IOException e) {
                last = e; // QEMU forwards the port before the guest listens: the connection resets
            }
            Thread.sleep(300);
        }
        throw new AssertionError("http://127.0.0.1:" + port + path + " did not answer within " + within, last);
    }

    static final String IMAGE_RESOLV_CONF = "nameserver 192.0.2.1\n";
    static final String WWW_INDEX = "served by busybox httpd in the guest\n";

    /** What a `kiln` command run in this JVM printed, with the time each stdout line ended. */
    record CliRun(int exit, String out, String err, List<String> lines, List<Long> lineNanos, long endNanos) {
        /** Milliseconds from the first line containing {@code marker} to the command's end, or -1. */
        long millisAfter(String marker) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(marker)) {
                    return (endNanos - lineNanos.get(i)) / 1_000_000;
                }
            }
            return -1;
        }

        /** The SHOW program's lines, without "show: ". */
        List<String> show() {
            return lines.stream().filter(l -> l.startsWith("show: ")).map(l -> l.substring(6)).toList();
        }
    }

    /** Runs `kiln ARGS` in this JVM (as BuildAndRunTest does), echoing and capturing its output. */
    static synchronized CliRun kiln(String... args) {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        List<Long> times = Collections.synchronizedList(new ArrayList<>());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        OutputStream timing = new OutputStream() {
            @Override
            public synchronized void write(int b) {
                out.write(b);
                oldOut.write(b);
                if (b == '\n') {
                    lines.add(line.toString(StandardCharsets.UTF_8).replace("\r", ""));
                    times.add(System.nanoTime());
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        };
        int exit;
        try {
            System.setOut(new PrintStream(timing, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = dev.kiln.cli.Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        long end = System.nanoTime();
        String errText = err.toString(StandardCharsets.UTF_8);
        oldErr.print(errText);
        oldOut.println("[kiln] exit " + exit + ": kiln " + String.join(" ", args));
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), errText, List.copyOf(lines), List.copyOf(times), end);
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
