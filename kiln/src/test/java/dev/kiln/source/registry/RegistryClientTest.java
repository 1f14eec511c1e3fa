package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;
import dev.kiln.image.SourceEvent;
import dev.kiln.image.SourceOptions;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The HTTP client, downloads and cache against a real registry (docker-registry on 127.0.0.1,
 * images pushed with skopeo): auth modes, corrupt blobs, dropped connections, cache hits.
 */
@Tag("slow")
class RegistryClientTest {
    static final Retry FAST = new Retry(3, Duration.ofMillis(20), Duration.ofMillis(100));
    static final String SECRET = "s3cr3t-Pa55";

    @TempDir
    static Path dir;
    static RegistryServer registry;
    static Path layout;
    static byte[] big;

    @BeforeAll
    static void pushImages() throws Exception {
        registry = RegistryServer.start(dir.resolve("registry"));
        layout = TestImages.layout(dir.resolve("layout"));
        big = new byte[1 << 20];
        new Random(42).nextBytes(big); // incompressible: the layer blob stays ~1 MiB
        TestImages.image(layout, "v1", "amd64",
                TestImages.files("etc/", "", "etc/hello", "hello from layer 0\n"),
                TestImages.files("data/", "", "data/big.bin", big));
        registry.push(layout, "v1", "ns/app:v1", false);
        registry.push(layout, "v1", "ns/private:v1", false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    static RegistryClient client(String endpoint, String creds) {
        return new RegistryClient(endpoint, new Connections(List.of(), null),
                () -> Optional.ofNullable(creds).map(c -> Credentials.parse(c, "--creds")), FAST);
    }

    /** Fetches the manifest and every blob of ns/app:v1 into {@code cache}; checks them against the layout. */
    static void pullAll(RegistryClient client, String repository, BlobCache cache) throws Exception {
        RegistryClient.Manifest m = client.manifest(repository, "v1");
        assertThat(m.digest()).isEqualTo(TestImages.manifestDigest(layout, "v1"));
        JsonNode manifest = TestImages.manifest(layout, "v1");
        for (JsonNode d : List.of(manifest.path("config"), manifest.path("layers").get(0), manifest.path("layers").get(1))) {
            String digest = d.path("digest").asText();
            long size = d.path("size").asLong();
            Path p = cache.fetch(digest, size, new BlobDownload(client, repository, digest, size, SourceOptions.NO_EVENTS));
            assertThat(Files.readAllBytes(p)).isEqualTo(TestImages.blob(layout, digest));
        }
    }

    @Test
    void anonymousPullFillsTheCacheAndASecondPullDownloadsNothing() throws Exception {
        registry.restart("");
        BlobCache cache = new BlobCache(dir.resolve("cache-anon"));
        pullAll(client(registry.hostPort(), null), "ns/app", cache);
        assertThat(cache.list()).hasSize(3);
        int blobGets = registry.blobGets("ns/app").size();
        assertThat(blobGets).isGreaterThanOrEqualTo(3);

        pullAll(client(registry.hostPort(), null), "ns/app", cache);
        assertThat(registry.blobGets("ns/app")).hasSize(blobGets);
    }

    @Test
    void basicAuthWithRightAndWrongPasswords() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, Tools.checkIn(dir, List.of("htpasswd", "-Bbn", "alice", SECRET)));
        registry.restart("  htpasswd:\n    realm: kiln-test\n    path: " + htpasswd + "\n");
        try {
            pullAll(client(registry.hostPort(), "alice:" + SECRET), "ns/app", new BlobCache(dir.resolve("cache-basic")));

            assertThatThrownBy(() -> client(registry.hostPort(), "alice:wrong-" + SECRET).manifest("ns/app", "v1"))
                    .isInstanceOf(KilnException.class)
                    .hasMessageStartingWith(registry.hostPort() + "/ns/app:v1: authentication failed (401 Unauthorized)")
                    .hasMessageContaining("user alice (from --creds)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));

            assertThatThrownBy(() -> client(registry.hostPort(), null).manifest("ns/app", "v1"))
                    .hasMessageStartingWith(registry.hostPort() + "/ns/app:v1: authentication required (401 Unauthorized)")
                    .hasMessageContaining("--creds");
        } finally {
            registry.restart("");
        }
    }

    @Test
    void bearerTokensAnonymousAndWithCredentialsAreReusedPerRepository() throws Exception {
        try (TokenServer tokens = new TokenServer(dir)) {
            tokens.addUser("bob", SECRET);
            tokens.allowAnonymous("ns/app");
            registry.restart(tokens.authYaml());

            pullAll(client(registry.hostPort(), null), "ns/app", new BlobCache(dir.resolve("cache-token-anon")));
            // One token for the whole pull: it is reused for the manifest and all three blobs.
            assertThat(tokens.requests).containsExactly("anonymous repository:ns/app:pull");

            tokens.requests.clear();
            pullAll(client(registry.hostPort(), "bob:" + SECRET), "ns/private", new BlobCache(dir.resolve("cache-token-bob")));
            assertThat(tokens.requests).containsExactly("bob repository:ns/private:pull");
        } finally {
            registry.restart("");
        }
    }

    @Test
    void bearerTokenWithWrongPasswordOrNoCredentialsFailsClearly() throws Exception {
        try (TokenServer tokens = new TokenServer(dir)) {
            tokens.addUser("bob", SECRET);
            registry.restart(tokens.authYaml());
            assertThatThrownBy(() -> client(registry.hostPort(), "bob:nope" + SECRET).manifest("ns/app", "v1"))
                    .hasMessageStartingWith(registry.hostPort() + "/ns/app:v1: authentication failed (401 from token server")
                    .hasMessageContaining("user bob (from --creds)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
            assertThatThrownBy(() -> client(registry.hostPort(), null).manifest("ns/app", "v1"))
                    .hasMessageContaining("anonymous; pass --creds");
            assertThat(tokens.requests).containsExactly("bob(rejected) repository:ns/app:pull", "anonymous repository:ns/app:pull");
        } finally {
            registry.restart("");
        }
    }

    @Test
    void aBlobCorruptedOnTheRegistryDiskFailsWithADigestMismatchAndCachesNothing() throws Exception {
        registry.restart("");
        Path corruptLayout = TestImages.layout(dir.resolve("corrupt-layout"));
        TestImages.image(corruptLayout, "v1", "amd64", TestImages.files("etc/", "", "etc/only-here", "corrupt me\n"));
        registry.push(corruptLayout, "v1", "ns/corrupt:v1", false);
        JsonNode layer = TestImages.manifest(corruptLayout, "v1").path("layers").get(0);
        String digest = layer.path("digest").asText();
        Path data = registry.blobData(digest);
        byte[] bytes = Files.readAllBytes(data);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(data, bytes);

        BlobCache cache = new BlobCache(dir.resolve("cache-corrupt"));
        RegistryClient c = client(registry.hostPort(), null);
        assertThatThrownBy(() -> cache.fetch(digest, bytes.length,
                new BlobDownload(c, "ns/corrupt", digest, bytes.length, SourceOptions.NO_EVENTS)))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith(digest + ": digest mismatch")
                .hasMessageContaining("nothing was cached");
        assertThat(cache.list()).isEmpty();
        assertThat(cache.get(digest)).isEmpty();
        try (var tmp = Files.list(cache.root().resolve("tmp"))) {
            assertThat(tmp.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial"));
        }
    }

    @Test
    void aDroppedConnectionResumesWithARangeRequest() throws Exception {
        registry.restart("");
        JsonNode layer = TestImages.manifest(layout, "v1").path("layers").get(1);
        String digest = layer.path("digest").asText();
        long size = layer.path("size").asLong();
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), 300_000, 2)) {
            BlobCache cache = new BlobCache(dir.resolve("cache-resume"));
            List<SourceEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            Path p = cache.fetch(digest, size, new BlobDownload(client(proxy.hostPort(), null), "ns/app", digest, size, events::add));
            assertThat(Files.readAllBytes(p)).isEqualTo(TestImages.blob(layout, digest));
            // Each retry asks only for what is missing (the client may have lost bytes in flight
            // when the connection dropped, so offsets are at most what the proxy sent).
            List<Long> offsets = rangeOffsets(proxy.requests, digest);
            assertThat(offsets).hasSize(3);
            assertThat(offsets.get(0)).isZero();
            assertThat(offsets.get(1)).isBetween(1L, 300_000L);
            assertThat(offsets.get(2)).isBetween(offsets.get(1) + 1, offsets.get(1) + 300_000L);
            // The display hears of each retry, and where it resumes.
            assertThat(events.stream().filter(e -> e instanceof SourceEvent.DownloadRetried)
                    .map(e -> ((SourceEvent.DownloadRetried) e).offset()).toList())
                    .containsExactly(offsets.get(1), offsets.get(2));
            assertThat(events.get(0)).isEqualTo(new SourceEvent.DownloadStarted(digest, size, 0));
            assertThat(events.get(events.size() - 1)).isEqualTo(new SourceEvent.DownloadDone(digest, size));
        }
    }

    /** The Range start of each blob GET for {@code digest} (0 without Range). */
    static List<Long> rangeOffsets(List<String> requests, String digest) {
        return requests.stream().filter(r -> r.startsWith("GET /v2/ns/app/blobs/" + digest))
                .map(r -> r.contains("Range: bytes=") ? Long.parseLong(r.replaceAll(".*Range: bytes=(\\d+)-.*", "$1")) : 0L)
                .toList();
    }

    @Test
    void aRegistryStoppedMidDownloadIsRetriedThenReportedAndThePartialBlobIsKeptForResuming() throws Exception {
        registry.restart("");
        JsonNode layer = TestImages.manifest(layout, "v1").path("layers").get(1);
        String digest = layer.path("digest").asText();
        long size = layer.path("size").asLong();
        BlobCache cache = new BlobCache(dir.resolve("cache-stopped"));
        long[] resumeAt = new long[1];
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), 200_000, 1)) {
            proxy.onCut = () -> {
                try {
                    registry.stop();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            RegistryClient c = client(proxy.hostPort(), null);
            assertThatThrownBy(() -> cache.fetch(digest, size, new BlobDownload(c, "ns/app", digest, size, SourceOptions.NO_EVENTS)))
                    .isInstanceOf(KilnException.class)
                    .hasMessageStartingWith(proxy.hostPort() + "/ns/app@" + digest + ": ")
                    .hasMessageContaining("502");
            // Every retry asked only for the missing part.
            List<Long> offsets = rangeOffsets(proxy.requests, digest);
            assertThat(offsets).hasSize(1 + FAST.maxAttempts());
            assertThat(offsets.get(0)).isZero();
            assertThat(offsets.subList(1, offsets.size())).allMatch(o -> o > 0 && o <= 200_000 && o.equals(offsets.get(1)));
            resumeAt[0] = offsets.get(1);
            assertThat(cache.get(digest)).isEmpty();
        }
        // The registry comes back: the next kiln resumes from the partial file and completes.
        registry.restart("");
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), Long.MAX_VALUE, 0)) {
            Path p = cache.fetch(digest, size, new BlobDownload(client(proxy.hostPort(), null), "ns/app", digest, size, SourceOptions.NO_EVENTS));
            assertThat(Files.readAllBytes(p)).isEqualTo(TestImages.blob(layout, digest));
            assertThat(proxy.requests).filteredOn(r -> r.contains("/blobs/"))
                    .containsExactly("GET /v2/ns/app/blobs/" + digest + " Range: bytes=" + resumeAt[0] + "-");
        }
    }

    @Test
    void tlsRegistryIsTrustedOnlyWithCaCert() throws Exception {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        Tools.checkIn(tls, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", "key.pem", "-out", "cert.pem"));
        registry.restartWithTls(tls.resolve("cert.pem"), tls.resolve("key.pem"));
        try {
            RegistryClient trusting = new RegistryClient(registry.hostPort(), new Connections(List.of(), tls.resolve("cert.pem")),
                    Optional::empty, FAST);
            assertThat(trusting.manifest("ns/app", "v1").digest()).isEqualTo(TestImages.manifestDigest(layout, "v1"));
            assertThatThrownBy(() -> client(registry.hostPort(), null).manifest("ns/app", "v1"))
                    .isInstanceOf(KilnException.class)
                    .hasMessage(registry.hostPort() + "/ns/app:v1: TLS: the server's certificate is not signed by a CA"
                            + " this machine trusts; for a private CA pass --ca-cert FILE");
        } finally {
            registry.restart("");
        }
    }

    @Test
    void blobRedirectsAreFollowedWithoutSendingCredentialsToTheOtherHost() throws Exception {
        try (TokenServer tokens = new TokenServer(dir);
             FaultProxy front = new FaultProxy(registry.hostPort(), Long.MAX_VALUE, 0)) {
            tokens.addUser("bob", SECRET);
            registry.restart(tokens.authYaml());
            // "Storage": serves blob files by hex, records whether a request carried credentials.
            List<String> storageAuth = new java.util.concurrent.CopyOnWriteArrayList<>();
            var storage = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            storage.createContext("/", ex -> {
                storageAuth.add(ex.getRequestURI() + " " + ex.getRequestHeaders().containsKey("Authorization"));
                String hex = ex.getRequestURI().getPath().substring(1);
                byte[] body = Files.readAllBytes(layout.resolve("blobs/sha256").resolve(hex));
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            storage.start();
            try {
                front.redirectBlobsTo = "http://127.0.0.1:" + storage.getAddress().getPort();
                pullAll(client(front.hostPort(), "bob:" + SECRET), "ns/private", new BlobCache(dir.resolve("cache-redirect")));
                assertThat(storageAuth).hasSize(3).allMatch(r -> r.endsWith("?sig=test false"));
                assertThat(front.authorized).anyMatch(r -> r.contains("/blobs/sha256:"));
            } finally {
                storage.stop(0);
            }
        } finally {
            registry.restart("");
        }
    }

    @Test
    void concurrentFetchesOfOneBlobDownloadItOnce() throws Exception {
        registry.restart("");
        JsonNode layer = TestImages.manifest(layout, "v1").path("layers").get(1);
        String digest = layer.path("digest").asText();
        long size = layer.path("size").asLong();
        BlobCache cache = new BlobCache(dir.resolve("cache-concurrent"));
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), Long.MAX_VALUE, 0)) {
            RegistryClient c = client(proxy.hostPort(), null);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Path>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    results.add(pool.submit(() -> cache.fetch(digest, size, new BlobDownload(c, "ns/app", digest, size, SourceOptions.NO_EVENTS))));
                }
                for (var f : results) {
                    assertThat(Files.readAllBytes(f.get())).isEqualTo(TestImages.blob(layout, digest));
                }
            } finally {
                pool.shutdown();
            }
            assertThat(proxy.requests).filteredOn(r -> r.contains("/blobs/")).hasSize(1);
        }
    }

    @Test
    void anExpiredTokenIsRenewedBeforeTheNextRequest() throws Exception {
        try (TokenServer tokens = new TokenServer(dir)) {
            tokens.allowAnonymous("ns/app");
            tokens.expiresIn = 14; // kiln keeps a 10 s margin: usable for 4 s, time enough on a loaded machine
            registry.restart(tokens.authYaml());
            int logStart = registry.logText().length();
            RegistryClient c = client(registry.hostPort(), null);
            c.manifest("ns/app", "v1");
            c.manifest("ns/app", "v1");
            assertThat(tokens.requests).hasSize(1);
            Thread.sleep(4200);
            assertThat(c.manifest("ns/app", "v1").digest()).isEqualTo(TestImages.manifestDigest(layout, "v1"));
            assertThat(tokens.requests).hasSize(2);
            // The renewal happened up front: the registry saw no request without a valid token.
            assertThat(registry.logText().substring(logStart).lines().filter(l -> l.contains("\"GET /v2/ns/app/manifests/v1") && l.contains("\" 401 ")))
                    .hasSize(1);
        } finally {
            registry.restart("");
        }
    }

    @Test
    void anotherProcessDownloadingTheSameBlobIsWaitedForNotDuplicated() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed");
        registry.restart("");
        JsonNode layer = TestImages.manifest(layout, "v1").path("layers").get(1);
        String digest = layer.path("digest").asText();
        long size = layer.path("size").asLong();
        BlobCache cache = new BlobCache(dir.resolve("cache-processes"));
        String hex = digest.substring("sha256:".length());
        Path lockFile = Files.createDirectories(cache.root().resolve("tmp")).resolve(hex + ".lock");
        Path blob = Files.createDirectories(cache.root().resolve("blobs/sha256")).resolve(hex);
        Path source = layout.resolve("blobs/sha256").resolve(hex);
        // The other "kiln": takes the same POSIX record lock (fcntl, as the JVM's FileLock does),
        // waits to be told, then publishes the blob the way kiln does (rename into place) and unlocks.
        Process other = new ProcessBuilder("python3", "-c", String.join("\n",
                "import fcntl, os, shutil, sys",
                "f = open(sys.argv[1], 'w')",
                "fcntl.lockf(f, fcntl.LOCK_EX)",
                "print('locked', flush=True)",
                "sys.stdin.readline()",
                "shutil.copyfile(sys.argv[2], sys.argv[3] + '.tmp')",
                "os.rename(sys.argv[3] + '.tmp', sys.argv[3])",
                "fcntl.lockf(f, fcntl.LOCK_UN)"),
                lockFile.toString(), source.toString(), blob.toString()).redirectErrorStream(true).start();
        try (FaultProxy proxy = new FaultProxy(registry.hostPort(), Long.MAX_VALUE, 0)) {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine()).isEqualTo("locked");
            RegistryClient c = client(proxy.hostPort(), null);
            var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var fetched = pool.submit(() -> cache.fetch(digest, size, new BlobDownload(c, "ns/app", digest, size, SourceOptions.NO_EVENTS)));
                Thread.sleep(500);
                assertThat(fetched).isNotDone(); // blocked on the other process's lock
                other.getOutputStream().write('\n');
                other.getOutputStream().flush();
                assertThat(Files.readAllBytes(fetched.get(30, java.util.concurrent.TimeUnit.SECONDS)))
                        .isEqualTo(TestImages.blob(layout, digest));
            } finally {
                pool.shutdownNow();
            }
            assertThat(proxy.requests).noneMatch(r -> r.contains("/blobs/"));
        } finally {
            other.destroy();
            other.waitFor();
        }
    }
}
