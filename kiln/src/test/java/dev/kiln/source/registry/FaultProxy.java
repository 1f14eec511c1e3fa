package dev.kiln.source.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of a registry that drops connections deterministically: the first
 * {@code cuts} blob downloads stop after {@code cutAfter} bytes (the connection closes with the
 * body short of its Content-Length). {@link #onCut} runs after each cut (for example to stop the
 * registry). Records each request as "GET /v2/... Range: bytes=N-".
 */
final class FaultProxy implements AutoCloseable {
    private static final Set<String> HOP = Set.of("connection", "content-length", "transfer-encoding", "host",
            "keep-alive", "upgrade", "date");

    private final HttpServer server;
    private final String upstream;
    private final HttpClient http = HttpClient.newHttpClient();
    private final long cutAfter;
    private final AtomicInteger cutsLeft;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile Runnable onCut = () -> { };
    /** When set, blob GETs are answered with a 307 to this base URL + "/HEX?sig=test" (like S3). */
    volatile String redirectBlobsTo;
    /** When set, blob bodies longer than {@link #stallAfter} pause after that many bytes until it opens. */
    volatile java.util.concurrent.CountDownLatch stall;
    volatile long stallAfter;
    /** The requests that carried an Authorization header. */
    final List<String> authorized = new CopyOnWriteArrayList<>();

    FaultProxy(String upstreamHostPort, long cutAfter, int cuts) throws IOException {
        this.upstream = "http://" + upstreamHostPort;
        this.cutAfter = cutAfter;
        this.cutsLeft = new AtomicInteger(cuts);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        String line = ex.getRequestMethod() + " " + ex.getRequestURI() + (range != null ? " Range: " + range : "");
        requests.add(line);
        if (ex.getRequestHeaders().containsKey("Authorization")) {
            authorized.add(line);
        }
        String path = ex.getRequestURI().getPath();
        if (redirectBlobsTo != null && path.contains("/blobs/sha256:")) {
            ex.getResponseHeaders().add("Location", redirectBlobsTo + "/" + path.substring(path.lastIndexOf(':') + 1) + "?sig=test");
            ex.sendResponseHeaders(307, -1);
            ex.close();
            return;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
                .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
        ex.getRequestHeaders().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase())) {
                vs.forEach(v -> b.header(k, v));
            }
        });
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (Exception e) {
            ex.sendResponseHeaders(502, -1);
            ex.close();
            return;
        }
        resp.headers().map().forEach((k, vs) -> {
            if (!HOP.contains(k.toLowerCase()) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
            }
        });
        long length = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
        boolean cut = ex.getRequestURI().getPath().contains("/blobs/") && ex.getRequestMethod().equals("GET")
                && length > cutAfter && cutsLeft.getAndDecrement() > 0;
        ex.sendResponseHeaders(resp.statusCode(), length == 0 ? -1 : Math.max(length, 0));
        try (InputStream in = resp.body()) {
            OutputStream out = ex.getResponseBody();
            if (cut) {
                out.write(in.readNBytes((int) cutAfter));
                out.flush();
                onCut.run();
                // Closing with fewer bytes than announced makes the server drop the connection.
                ex.close();
                return;
            }
            java.util.concurrent.CountDownLatch latch = stall;
            if (latch != null && ex.getRequestURI().getPath().contains("/blobs/") && length > stallAfter) {
                out.write(in.readNBytes((int) stallAfter));
                out.flush();
                try {
                    latch.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            in.transferTo(out);
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
