package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kiln.testing.Tools;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A token server for the registry's {@code auth: token:} mode: checks Basic credentials (or
 * none, for public repositories) and issues RS256 JWTs signed with a key whose self-signed
 * certificate the registry trusts (rootcertbundle); the certificate travels in the x5c header.
 */
final class TokenServer implements AutoCloseable {
    static final String SERVICE = "kiln-test-registry";
    static final String ISSUER = "kiln-test-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final Path certPem;
    private final Map<String, String> users = new HashMap<>();
    /** Repositories anonymous clients may pull. */
    private final List<String> publicRepos = new CopyOnWriteArrayList<>();
    /** One line per token request: "user|anonymous scope". */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** The lifetime announced to clients (the JWT itself stays valid for 300 s). */
    volatile int expiresIn = 300;

    /** Key and certificate, made once per test JVM (key generation is slow on a busy machine). */
    private static PrivateKey sharedKey;
    private static X509Certificate sharedCert;
    private static Path sharedPem;

    private static synchronized void makeKey(Path parent) throws Exception {
        if (sharedKey != null && Files.exists(sharedPem)) {
            return;
        }
        Path dir = Files.createTempDirectory(parent, "token");
        Tools.checkIn(dir, List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=kiln-test-token", "-keyout", "key.pem", "-out", "cert.pem"));
        String pem = Files.readString(dir.resolve("key.pem")).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        sharedKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
            sharedCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        sharedPem = dir.resolve("cert.pem");
    }

    TokenServer(Path parent) throws Exception {
        makeKey(parent);
        key = sharedKey;
        cert = sharedCert;
        certPem = sharedPem;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    void addUser(String user, String password) {
        users.put(user, password);
    }

    void allowAnonymous(String repository) {
        publicRepos.add(repository);
    }

    /** The registry's auth section for this server. */
    String authYaml() {
        return String.join("\n",
                "  token:",
                "    realm: http://127.0.0.1:" + server.getAddress().getPort() + "/token",
                "    service: " + SERVICE,
                "    issuer: " + ISSUER,
                "    rootcertbundle: " + certPem,
                "");
    }

    private void handle(HttpExchange ex) throws java.io.IOException {
        try (ex) {
            Map<String, String> q = new HashMap<>();
            String raw = ex.getRequestURI().getRawQuery();
            for (String kv : raw == null ? new String[0] : raw.split("&")) {
                int eq = kv.indexOf('=');
                q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
            String user = null;
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.startsWith("Basic ")) {
                String[] up = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8).split(":", 2);
                if (!up[1].equals(users.get(up[0]))) {
                    requests.add(up[0] + "(rejected) " + q.get("scope"));
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                user = up[0];
            }
            String scope = q.getOrDefault("scope", "");
            requests.add((user == null ? "anonymous" : user) + " " + scope);
            String[] parts = scope.split(":");
            if (!SERVICE.equals(q.get("service")) || parts.length != 3) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            if (user == null && !publicRepos.contains(parts[1])) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            byte[] body = JSON.writeValueAsBytes(Map.of("token", jwt(user == null ? "" : user, parts[1]),
                    "expires_in", expiresIn));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (Exception e) {
            throw new java.io.IOException(e);
        }
    }

    private String jwt(String subject, String repository) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        ObjectNode header = JSON.createObjectNode();
        header.put("alg", "RS256");
        header.put("typ", "JWT");
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(cert.getEncoded()));
        long now = System.currentTimeMillis() / 1000;
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("aud", SERVICE);
        claims.put("exp", now + 300);
        claims.put("nbf", now - 60);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        ObjectNode access = claims.putArray("access").addObject();
        access.put("type", "repository");
        access.put("name", repository);
        access.putArray("actions").add("pull");
        String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "."
                + b64.encodeToString(JSON.writeValueAsBytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(s.sign());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
