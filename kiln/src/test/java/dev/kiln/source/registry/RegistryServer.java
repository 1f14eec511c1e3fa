package dev.kiln.source.registry;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real CNCF Distribution registry (Debian's docker-registry) on 127.0.0.1 for tests. Its
 * storage lives under the given directory and survives {@link #restart} with another auth
 * configuration, so tests push anonymously and then pull through htpasswd or token auth.
 */
final class RegistryServer implements AutoCloseable {
    static final String BINARY = "/usr/bin/docker-registry";

    private final Path dir;
    private final Path storage;
    private final int port;
    private final Path log;
    private Process process;
    private int generation;
    private String httpExtra = "";

    private RegistryServer(Path dir) throws IOException {
        this.dir = dir;
        this.storage = Files.createDirectories(dir.resolve("storage"));
        this.port = dev.kiln.testing.Ports.unused();
        this.log = dir.resolve("registry.log");
    }

    /** Starts an anonymous registry; skips the test when docker-registry or skopeo is missing. */
    static RegistryServer start(Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(BINARY)), BINARY + " is not installed (.ci/deps installs docker-registry)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed (.ci/deps installs it)");
        RegistryServer r = new RegistryServer(dir);
        r.launch("");
        return r;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    Path storage() {
        return storage;
    }

    Path log() {
        return log;
    }

    /** The registry's log so far (access log lines included). */
    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /**
     * Access-log lines of blob GETs for {@code repository}, once the log has stopped growing: the
     * registry writes a request's line after its response, which the client may have read already.
     */
    List<String> blobGets(String repository) throws IOException, InterruptedException {
        String text = logText();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            Thread.sleep(300);
            String now = logText();
            if (now.equals(text)) {
                break;
            }
            text = now;
        }
        return text.lines().filter(l -> l.contains("\"GET /v2/" + repository + "/blobs/")).toList();
    }

    /** Restarts on the same port and storage with an {@code auth:} section (YAML, indented by 2), or "" for none. */
    void restart(String authYaml) throws Exception {
        stop();
        httpExtra = "";
        launch(authYaml);
    }

    /** Restarts serving HTTPS with the given PEM certificate and key. */
    void restartWithTls(Path cert, Path key) throws Exception {
        stop();
        httpExtra = "  tls:\n    certificate: " + cert + "\n    key: " + key + "\n";
        launch("");
    }

    private void launch(String authYaml) throws Exception {
        Path config = dir.resolve("config-" + (++generation) + ".yml");
        Files.writeString(config, String.join("\n",
                "version: 0.1",
                "log:",
                "  level: info",
                "  formatter: text",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + storage,
                "  delete:",
                "    enabled: true",
                "  maintenance:",
                "    uploadpurging:",
                "      enabled: false",
                "http:",
                "  addr: 127.0.0.1:" + port,
                "  secret: kiln-test-secret",
                httpExtra,
                authYaml.isEmpty() ? "" : "auth:\n" + authYaml,
                ""));
        process = new ProcessBuilder(BINARY, "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + logText());
            }
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort() + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                // 400: a TLS server answering plain HTTP, which also means it is up.
                if (status == 200 || status == 401 || (status == 400 && !httpExtra.isEmpty())) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("docker-registry did not answer on " + hostPort() + ": " + logText());
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        process = null;
    }

    /** The file holding a blob in the registry's storage (for corrupting it). */
    Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
    }

    /** Pushes {@code oci:LAYOUT:TAG} (or an index with --all) to {@code ns/app:tag} on this registry. */
    void push(Path layout, String layoutTag, String repoAndTag, boolean all) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false"));
        if (all) {
            cmd.add("--all");
        }
        cmd.add("oci:" + layout + ":" + layoutTag);
        cmd.add("docker://" + hostPort() + "/" + repoAndTag);
        Tools.checkIn(dir, cmd);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
