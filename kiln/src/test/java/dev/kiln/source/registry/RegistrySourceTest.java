package dev.kiln.source.registry;

import dev.kiln.KilnException;
import dev.kiln.cli.Main;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.image.SourceEvent;
import dev.kiln.image.SourceOptions;
import dev.kiln.testing.Tools;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Registry references opened as images, end to end against a real registry: platform choice in
 * a multi-arch index, layer contents, the cache making a second build download nothing,
 * progress lines, `kiln pull --to oci:` and `kiln cache`.
 */
@Tag("slow")
class RegistrySourceTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static Path layout;
    static String host;

    @BeforeAll
    static void pushImages() throws Exception {
        registry = RegistryServer.start(dir.resolve("registry"));
        host = registry.hostPort();
        layout = TestImages.layout(dir.resolve("layout"));
        TestImages.image(layout, "amd", "amd64",
                TestImages.files("etc/", "", "etc/arch", "amd64\n", "etc/gone", "x"),
                TestImages.files("etc/", "", "etc/second", "layer 1\n"));
        TestImages.image(layout, "arm", "arm64", TestImages.files("etc/", "", "etc/arch", "arm64\n"));
        TestImages.index(layout, "multi", List.of("amd", "arm"));
        registry.push(layout, "multi", "ns/multi:1", true);
        registry.push(layout, "amd", "ns/app:v1", false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static RegistrySource.Settings settings() {
        return new RegistrySource.Settings(Map.of("HOME", dir.resolve("home").toString()), RegistryClientTest.FAST);
    }

    static SourceOptions options(String platform, Path cache, boolean quiet) {
        return new SourceOptions(platform, null, List.of(), null, cache, quiet);
    }

    static Image open(String ref, String platform, Path cache) throws Exception {
        return RegistrySource.open(Reference.parse(ref), options(platform, cache, true), settings());
    }

    /** path -> content of every regular file in every layer, bottom layer first. */
    static List<Map<String, String>> contents(Image image) throws Exception {
        List<Map<String, String>> out = new java.util.ArrayList<>();
        for (Layer l : image.layers()) {
            Map<String, String> files = new TreeMap<>();
            try (InputStream in = l.open(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    if (e.isFile()) {
                        files.put(e.getName(), new String(tar.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
            out.add(files);
        }
        return out;
    }

    @Test
    void multiArchIndexPicksThePlatform() throws Exception {
        Path cache = dir.resolve("cache-multi");
        try (Image arm = open(host + "/ns/multi:1", "linux/arm64", cache)) {
            assertThat(arm.platform()).contains("linux/arm64");
            assertThat(arm.manifestDigest()).contains(TestImages.manifestDigest(layout, "arm"));
            assertThat(arm.config().labels()).containsEntry("arch", "arm64");
            assertThat(contents(arm)).containsExactly(Map.of("etc/arch", "arm64\n"));
        }
        try (Image amd = open("docker://" + host + "/ns/multi:1", "linux/amd64", cache)) {
            assertThat(amd.platform()).contains("linux/amd64");
            assertThat(amd.config().cmd()).containsExactly("/bin/app");
            assertThat(contents(amd)).containsExactly(Map.of("etc/arch", "amd64\n", "etc/gone", "x"),
                    Map.of("etc/second", "layer 1\n"));
        }
        assertThatThrownBy(() -> open(host + "/ns/multi:1", "linux/s390x", cache))
                .isInstanceOf(KilnException.class)
                .hasMessageContaining("no image for platform linux/s390x")
                .hasMessageContaining("linux/amd64").hasMessageContaining("linux/arm64");
    }

    @Test
    void aSecondOpenIsServedFromTheCacheAndADigestReferenceNeedsNoRequestAtAll() throws Exception {
        Path cache = dir.resolve("cache-second");
        int before = registry.blobGets("ns/app").size();
        List<Map<String, String>> first;
        try (Image image = open(host + "/ns/app:v1", null, cache)) {
            first = contents(image);
        }
        assertThat(registry.blobGets("ns/app").size()).isEqualTo(before + 3); // config + 2 layers
        String log = registry.logText();
        try (Image image = open(host + "/ns/app:v1", null, cache)) {
            assertThat(contents(image)).isEqualTo(first);
        }
        assertThat(registry.blobGets("ns/app")).hasSize(before + 3);
        // By digest, everything (manifest included) comes from the cache: the registry sees nothing.
        try (Image image = open(host + "/ns/app@" + TestImages.manifestDigest(layout, "amd"), null, cache)) {
            assertThat(contents(image)).isEqualTo(first);
        }
        String later = registry.logText().substring(log.length());
        assertThat(later.lines().filter(l -> l.contains("\"GET /v2/ns/app/"))).hasSize(1); // the tag's manifest
    }

    @Test
    void layerDownloadsAreReportedAsEventsAndCachedLayersAsCached() throws Exception {
        List<SourceEvent> events = new CopyOnWriteArrayList<>();
        Path cache = dir.resolve("cache-events");
        String top;
        long topSize;
        try (Image image = RegistrySource.open(Reference.parse(host + "/ns/app:v1"),
                options(null, cache, false).withEvents(events::add), settings())) {
            contents(image);
            top = image.layers().get(1).digest();
            topSize = image.layers().get(1).size();
        }
        List<SourceEvent> ofTop = events.stream().filter(e -> e.digest().equals(top)).toList();
        assertThat(ofTop.get(0)).isEqualTo(new SourceEvent.DownloadStarted(top, topSize, 0));
        assertThat(ofTop.get(ofTop.size() - 1)).isEqualTo(new SourceEvent.DownloadDone(top, topSize));
        assertThat(ofTop.stream().filter(e -> e instanceof SourceEvent.Downloaded)
                .mapToLong(e -> ((SourceEvent.Downloaded) e).bytes()).sum()).isEqualTo(topSize);
        // Manifests and configs are no layers: only the two layers are reported.
        assertThat(events.stream().map(SourceEvent::digest).distinct()).hasSize(2);

        List<SourceEvent> again = new CopyOnWriteArrayList<>();
        try (Image image = RegistrySource.open(Reference.parse(host + "/ns/app:v1"),
                options(null, cache, false).withEvents(again::add), settings())) {
            contents(image);
        }
        assertThat(again).hasSize(2).allMatch(e -> e instanceof SourceEvent.Cached)
                .contains(new SourceEvent.Cached(top, topSize));
    }

    @Test
    void pullSavesAnOciLayoutThatToolsAndKilnRead() throws Exception {
        Path cache = dir.resolve("cache-pull");
        Path out = dir.resolve("pulled");
        RegistrySource.Pulled p = RegistrySource.pull(Reference.parse(host + "/ns/multi:1"), options("linux/arm64", cache, true),
                settings(), out, null);
        assertThat(p.manifestDigest()).isEqualTo(TestImages.manifestDigest(layout, "arm"));
        assertThat(p.name()).isEqualTo("1");
        RegistrySource.pull(Reference.parse(host + "/ns/app:v1"), options(null, cache, true),
                settings(), out, "amd");
        // skopeo (containers/image) reads it and agrees on the digest; umoci can unpack from it.
        String inspect = Tools.checkIn(dir, List.of("skopeo", "inspect", "--raw", "oci:" + out + ":amd"));
        assertThat(inspect).isEqualTo(new String(TestImages.blob(layout, TestImages.manifestDigest(layout, "amd")), StandardCharsets.UTF_8));
        Tools.checkIn(dir, List.of("umoci", "unpack", "--rootless", "--image", out + ":1", dir.resolve("unpacked").toString()));
        assertThat(Files.readString(dir.resolve("unpacked/rootfs/etc/arch"))).isEqualTo("arm64\n");
        // And kiln's own oci: source opens it.
        try (Image image = dev.kiln.source.Sources.open("oci:" + out + ":amd", SourceOptions.defaults())) {
            assertThat(image.manifestDigest()).contains(TestImages.manifestDigest(layout, "amd"));
            assertThat(contents(image)).hasSize(2);
        }
    }

    @Test
    void pullAndCacheCommands() throws Exception {
        Path cache = dir.resolve("cache-cli");
        Path out = dir.resolve("pulled-cli");
        assertThat(Main.run("pull", "-q", "--cache-dir", cache.toString(), host + "/ns/app:v1", "--to", "oci:" + out)).isZero();
        assertThat(Files.readString(out.resolve("index.json"))).contains("\"org.opencontainers.image.ref.name\" : \"v1\"");
        PrintStream saved = System.out;
        ByteArrayOutputStream ls = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(ls, true, StandardCharsets.UTF_8));
            assertThat(Main.run("cache", "ls", "--cache-dir", cache.toString())).isZero();
            assertThat(Main.run("cache", "prune", "--older-than", "1", "--cache-dir", cache.toString())).isZero();
            assertThat(Main.run("cache", "prune", "--cache-dir", cache.toString())).isZero();
        } finally {
            System.setOut(saved);
        }
        String text = ls.toString(StandardCharsets.UTF_8);
        assertThat(text).contains(TestImages.manifestDigest(layout, "amd")).contains("4 blobs")
                .contains("removed 0 blobs").contains("removed 4 blobs");
        assertThat(new BlobCache(cache).list()).isEmpty();
    }

    @Test
    void aCachedBlobFoundCorruptIsEvictedAndDownloadedAgainNextTime() throws Exception {
        Path cache = dir.resolve("cache-torn");
        Path out = dir.resolve("torn.ext4");
        String[] build = {"build", "-q", "--cache-dir", cache.toString(), host + "/ns/app:v1", "-o", out.toString()};
        assertThat(Main.run(build)).isZero();
        byte[] good = Files.readAllBytes(out);
        // The largest cached blob is a layer; damage it as a torn write would.
        Path layer;
        try (var blobs = Files.list(cache.resolve("blobs/sha256"))) {
            layer = blobs.max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(layer);
        java.util.Arrays.fill(bytes, bytes.length / 2, bytes.length, (byte) 0);
        Files.write(layer, bytes);

        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.run(build);
        } finally {
            System.setErr(savedErr);
        }
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("sha256:" + layer.getFileName())
                .contains("the cached copy was removed, so running the command again downloads it afresh");
        assertThat(layer).doesNotExist();
        assertThat(out).as("the failed build leaves the earlier image alone").hasBinaryContent(good);

        assertThat(Main.run(build)).isZero();
        assertThat(layer).exists();
        assertThat(out).hasBinaryContent(good);
    }

    @Test
    void pullIntoADirectoryThatIsNotALayoutWritesNothing() throws Exception {
        Path target = Files.createDirectories(dir.resolve("not-a-layout"));
        Files.writeString(target.resolve("notes.txt"), "mine");
        PrintStream savedErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = Main.run("pull", "-q", "--cache-dir", dir.resolve("cache-refused").toString(),
                    host + "/ns/app:v1", "--to", "oci:" + target);
        } finally {
            System.setErr(savedErr);
        }
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not empty and not an OCI image layout");
        try (var children = Files.list(target)) {
            assertThat(children.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
    }

    @Test
    void ext4BuiltFromTheRegistryEqualsTheOneBuiltFromTheSameImageAsOciLayout() throws Exception {
        Path fromRegistry = dir.resolve("from-registry.ext4");
        Path fromLayout = dir.resolve("from-layout.ext4");
        assertThat(Main.run("build", "-q", "--cache-dir", dir.resolve("cache-build").toString(),
                host + "/ns/app:v1", "-o", fromRegistry.toString())).isZero();
        assertThat(Main.run("build", "-q", "oci:" + layout + ":amd", "-o", fromLayout.toString())).isZero();
        assertThat(Files.size(fromRegistry)).isPositive();
        assertThat(Files.mismatch(fromRegistry, fromLayout)).isEqualTo(-1L);
        Tools.checkIn(dir, List.of("e2fsck", "-fn", fromRegistry.toString()));
        String listing = Tools.checkIn(dir, List.of("debugfs", "-R", "cat /etc/second", fromRegistry.toString()));
        assertThat(listing).contains("layer 1");
    }

    @Test
    void openingAnImageFetchesOnlyManifestAndConfigUntilALayerIsRead() throws Exception {
        registry.push(layout, "amd", "ns/lazy:v1", false);
        int before = registry.blobGets("ns/lazy").size();
        try (Image image = open(host + "/ns/lazy:v1", null, dir.resolve("cache-lazy"))) {
            assertThat(image.config().labels()).containsEntry("arch", "amd64");
            assertThat(image.layers()).hasSize(2);
        }
        assertThat(registry.blobGets("ns/lazy")).hasSize(before + 1); // the config only
    }

    @Test
    void anUnresolvableHostFailsAtOnceNamingIt() {
        assertThatThrownBy(() -> open("no-such-host.invalid/ns/app:v1", null, dir.resolve("cache-dns")))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith("no-such-host.invalid/ns/app:v1: unknown host")
                .hasMessageNotContaining("attempts"); // a name that does not resolve is not retried
    }

    @Test
    void aLayerIsReadWhileItIsStillDownloading() throws Exception {
        byte[] big = new byte[1 << 20];
        new java.util.Random(7).nextBytes(big);
        Path streamLayout = TestImages.layout(dir.resolve("stream-layout"));
        TestImages.image(streamLayout, "s", "amd64", TestImages.files("etc/", "", "etc/first", "early\n", "data/", "", "data/big.bin", big));
        registry.push(streamLayout, "s", "ns/stream:s", false);
        Path cache = dir.resolve("cache-stream");
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), Long.MAX_VALUE, 0)) {
            proxy.stallAfter = 100_000;
            proxy.stall = new java.util.concurrent.CountDownLatch(1);
            try (Image image = open(proxy.hostPort() + "/ns/stream:s", null, cache)) {
                Layer layer = image.layers().get(0);
                var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
                try (InputStream in = layer.open(); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                    // The first file comes out while the registry holds back the rest of the blob.
                    var first = pool.submit(() -> {
                        TarArchiveEntry e;
                        while ((e = tar.getNextEntry()) != null && !e.isFile()) {
                            // skip directories
                        }
                        return e.getName() + "=" + new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                    });
                    assertThat(first.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("etc/first=early\n");
                    assertThat(new BlobCache(cache).get(layer.digest())).isEmpty();
                    proxy.stall.countDown();
                    TarArchiveEntry e;
                    while ((e = tar.getNextEntry()) != null && !e.isFile()) {
                        // skip directories
                    }
                    assertThat(e.getName()).isEqualTo("data/big.bin");
                    assertThat(tar.readAllBytes()).isEqualTo(big);
                    assertThat(tar.getNextEntry()).isNull();
                    in.transferTo(java.io.OutputStream.nullOutputStream()); // to the end: digest verified
                } finally {
                    proxy.stall.countDown();
                    pool.shutdownNow();
                }
                assertThat(new BlobCache(cache).get(layer.digest())).isPresent();
            }
        }
    }
}
