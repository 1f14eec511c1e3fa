package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.Unauthorized;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The OCI distribution / Docker Registry v2 HTTP API for one registry: manifests, blobs, and the
 * authentication dance (anonymous or credentialed bearer tokens per repository scope, reused
 * until they expire; basic auth). Thread-safe: layers download in parallel through one client.
 */
final class RegistryClient {
    static final String ACCEPT_MANIFESTS = String.join(", ",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MANIFEST_BYTES = 4 << 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);

    private final String endpoint;
    private final Connections connections;
    private final Supplier<Optional<Credentials>> credentials;
    final Retry retry;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile String base;
    private volatile Challenge challenge;

    private record Token(String value, Instant expires) {
        @Override
        public String toString() {
            return "Token[expires=" + expires + "]";
        }
    }

    /** An HTTP response whose status is 2xx, with its body still to read. */
    record Body(int status, HttpHeaders headers, InputStream stream) implements java.io.Closeable {
        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    RegistryClient(String endpoint, Connections connections, Supplier<Optional<Credentials>> credentials, Retry retry) {
        this.endpoint = endpoint;
        this.connections = connections;
        this.credentials = credentials;
        this.retry = retry;
    }

    String endpoint() {
        return endpoint;
    }

    /** A fetched manifest or index. {@code digest} is the sha256 of {@code bytes}. */
    record Manifest(byte[] bytes, String mediaType, String digest) {
    }

    Manifest manifest(String repository, String reference) throws IOException {
        String what = endpoint + "/" + repository + (reference.contains(":") ? "@" : ":") + reference;
        try (Body body = get(what, repository, "/v2/" + repository + "/manifests/" + reference,
                Map.of("Accept", ACCEPT_MANIFESTS))) {
            byte[] bytes = body.stream().readNBytes(MAX_MANIFEST_BYTES + 1);
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new KilnException(what + ": manifest larger than " + MAX_MANIFEST_BYTES + " bytes");
            }
            String type = body.headers().firstValue("Content-Type").orElse(null);
            if (type != null) {
                type = type.split(";")[0].trim();
            }
            return new Manifest(bytes, type, Digests.sha256(bytes));
        }
    }

    /**
     * GETs a blob from {@code offset} on (a Range request when offset > 0), following redirects.
     * The caller reads the body; status 206 means the range was honoured, 200 means the whole blob.
     */
    Body blob(String repository, String digest, long offset) throws IOException {
        Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        return get(endpoint + "/" + repository + "@" + digest, repository, "/v2/" + repository + "/blobs/" + digest, headers);
    }

    /** GET with auth, redirects and retries of transient failures; the result is a 2xx response. */
    private Body get(String what, String repository, String path, Map<String, String> headers) throws IOException {
        String scope = "repository:" + repository + ":pull";
        int failures = 0;
        boolean reauthenticated = false;
        while (true) {
            HttpResponse<InputStream> resp;
            try {
                URI uri = URI.create(base() + path);
                resp = sendFollowingRedirects(uri, headers, scope);
            } catch (IOException e) {
                if (e instanceof javax.net.ssl.SSLException || unknownHost(e) || ++failures >= retry.maxAttempts()) {
                    throw new KilnException(what + ": " + describe(e) + (failures > 1 ? " (after " + failures + " attempts)" : ""), e);
                }
                sleep(retry.delay(failures));
                continue;
            }
            int status = resp.statusCode();
            if (status / 100 == 2) {
                return new Body(status, resp.headers(), resp.body());
            }
            String detail = errorDetail(resp);
            if (status == 401 && !reauthenticated) {
                reauthenticated = true;
                authenticate(what, repository, scope, resp.headers().allValues("WWW-Authenticate"));
                continue;
            }
            if (status == 401) {
                throw new Unauthorized(what, status, null, credentials.get().map(String::valueOf).orElse(null), detail);
            }
            if (Retry.transientStatus(status) && ++failures < retry.maxAttempts()) {
                sleep(retryAfter(resp).orElse(retry.delay(failures)));
                continue;
            }
            switch (status) {
                case 403 -> throw new Unauthorized(what, status, null, credentials.get().map(String::valueOf).orElse(null), detail);
                case 404 -> throw new NotFound(what, "", "(404)" + colon(detail));
                default -> throw new KilnException(what + ": registry answered HTTP " + status
                        + (failures > 1 ? " (after " + failures + " attempts)" : "") + colon(detail));
            }
        }
    }

    private HttpResponse<InputStream> sendFollowingRedirects(URI uri, Map<String, String> headers, String scope)
            throws IOException {
        URI target = uri;
        for (int hops = 0; hops < 10; hops++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(REQUEST_TIMEOUT).GET();
            headers.forEach(b::header);
            // Registry credentials go only to the registry itself, never to a redirect target (S3, CDN).
            if (target.getRawAuthority().equals(uri.getRawAuthority())) {
                authorization(scope).ifPresent(v -> b.header("Authorization", v));
            }
            HttpResponse<InputStream> resp = send(b.build());
            int s = resp.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                Optional<String> location = resp.headers().firstValue("Location");
                resp.body().close();
                if (location.isEmpty()) {
                    throw new IOException("redirect " + s + " without Location");
                }
                target = target.resolve(location.get());
                continue;
            }
            return resp;
        }
        throw new IOException("too many redirects");
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        try {
            return connections.http().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    /** https://HOST, or http://HOST for a loopback/--insecure-registry host that speaks plain HTTP. */
    private String base() throws IOException {
        String b = base;
        if (b != null) {
            return b;
        }
        String https = "https://" + endpoint;
        if (!connections.allowsPlainHttp(endpoint)) {
            return base = https;
        }
        // A host allowed to use plain HTTP is asked over HTTP first: a registry's /v2/ answers 200
        // or 401. A TLS server answers 400 or drops the connection, and then we use TLS. (Probing
        // TLS first would hang on plain-HTTP servers that wait for a request line forever.)
        try {
            HttpResponse<InputStream> probe = send(HttpRequest.newBuilder(URI.create("http://" + endpoint + "/v2/"))
                    .timeout(Duration.ofSeconds(10)).GET().build());
            probe.body().close();
            if (probe.statusCode() == 200 || probe.statusCode() == 401) {
                return base = "http://" + endpoint;
            }
        } catch (IOException e) {
            // not plain HTTP, or not reachable: TLS gives the clearer error
        }
        return base = https;
    }

    private Optional<String> authorization(String scope) {
        Token t = tokens.get(scope);
        if (t != null && Instant.now().isBefore(t.expires())) {
            return Optional.of("Bearer " + t.value());
        }
        Challenge c = challenge;
        if (c == null) {
            return Optional.empty();
        }
        if (c.scheme().equals("basic")) {
            return credentials.get().map(RegistryClient::basic);
        }
        // An expired (or not yet fetched) token for a registry known to want one: fetch it now
        // rather than paying a 401 round trip.
        try {
            return Optional.of("Bearer " + fetchToken(endpoint, c, scope));
        } catch (IOException | KilnException e) {
            return Optional.empty();
        }
    }

    private void authenticate(String what, String repository, String scope, List<String> wwwAuthenticate)
            throws IOException {
        Challenge c = Challenge.pick(wwwAuthenticate).orElseThrow(() -> new KilnException(
                what + ": registry demands authentication (401) without a Bearer or Basic challenge"));
        challenge = c;
        if (c.scheme().equals("basic")) {
            if (credentials.get().isEmpty()) {
                throw new Unauthorized(what, 401, null, null, "");
            }
            return;
        }
        tokens.remove(scope);
        fetchToken(what, c, scope);
    }

    /** The token flow of the distribution spec: GET realm?service=..&scope=.., with basic auth if we have credentials. */
    private String fetchToken(String what, Challenge c, String scope) throws IOException {
        String realm = c.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new KilnException(what + ": Bearer challenge without realm");
        }
        StringBuilder q = new StringBuilder();
        if (c.params().containsKey("service")) {
            q.append("service=").append(URLEncoder.encode(c.params().get("service"), StandardCharsets.UTF_8));
        }
        q.append(q.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
        Optional<Credentials> creds = credentials.get();
        int failures = 0;
        while (true) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET();
            creds.ifPresent(cr -> b.header("Authorization", basic(cr)));
            HttpResponse<InputStream> resp;
            try {
                resp = send(b.build());
            } catch (IOException e) {
                if (++failures >= retry.maxAttempts()) {
                    throw new KilnException(what + ": token server " + realm + ": " + describe(e), e);
                }
                sleep(retry.delay(failures));
                continue;
            }
            int status = resp.statusCode();
            if (Retry.transientStatus(status) && ++failures < retry.maxAttempts()) {
                resp.body().close();
                sleep(retry.delay(failures));
                continue;
            }
            if (status != 200) {
                String detail = errorDetail(resp);
                if (status == 401 || status == 403) {
                    throw new Unauthorized(what, status, "token server " + realm, creds.map(String::valueOf).orElse(null), detail);
                }
                throw new KilnException(what + ": token server " + realm + " answered HTTP " + status + colon(detail));
            }
            JsonNode node;
            try (InputStream in = resp.body()) {
                node = JSON.readTree(in.readNBytes(1 << 20));
            }
            String token = node.path("token").asText(node.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new KilnException(what + ": token server " + realm + " returned no token");
            }
            // The spec's default lifetime is 60 s; keep a margin so a token never expires in flight.
            long lifetime = node.path("expires_in").asLong(60);
            Instant issued = Instant.now();
            tokens.put(scope, new Token(token, issued.plusSeconds(Math.max(0, lifetime - 10))));
            return token;
        }
    }

    private static String basic(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.user() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
    }

    /** The registry's error code and message (distribution's JSON error body), for the user. */
    private static String errorDetail(HttpResponse<InputStream> resp) {
        try (InputStream in = resp.body()) {
            byte[] bytes = in.readNBytes(16 << 10);
            JsonNode errors = JSON.readTree(bytes).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                JsonNode e = errors.get(0);
                String text = e.path("code").asText("") + " " + e.path("message").asText("");
                text = text.trim();
                return text.length() > 200 ? text.substring(0, 200) + "..." : text;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: say nothing more
        }
        return "";
    }

    /** ": TEXT", or "" for no text. */
    private static String colon(String text) {
        return text.isEmpty() ? "" : ": " + text;
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> resp) {
        return resp.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.min(30, Long.parseLong(v.trim()))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** A name that does not resolve will not resolve on a retry either. */
    static boolean unknownHost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        if (unknownHost(e)) {
            return "unknown host (name does not resolve)";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "TLS: " + tlsWords(m) + "; for a private CA pass --ca-cert FILE";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (m != null && !m.isBlank() ? " (" + m + ")" : "");
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return (m == null || m.isBlank()) ? "connection failed" : withoutClassNames(m);
    }

    /** The JDK's TLS messages name its own classes ("PKIX path building failed: sun.security..."). */
    private static String tlsWords(String m) {
        if (m == null || m.isBlank()) {
            return "handshake failed";
        }
        if (m.contains("unable to find valid certification path")) {
            return "the server's certificate is not signed by a CA this machine trusts";
        }
        if (m.contains("No subject alternative") || m.contains("No name matching")) {
            return "the server's certificate is not for this host name";
        }
        return withoutClassNames(m);
    }

    private static String withoutClassNames(String m) {
        return m.replaceAll("(?:[a-z_][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error): ", "");
    }

    static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }
}
