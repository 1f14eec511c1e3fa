package dev.kiln.source.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.NotFound;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds credentials for a registry in the order Docker users expect: --creds, then the Docker
 * config (credHelpers, credsStore, auths), then the Podman/Skopeo auth file. Errors name the
 * file or helper, never a secret.
 */
final class CredentialStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Docker keeps Docker Hub's credentials under its v1 index URL. */
    private static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    private final String cliCreds;
    private final Map<String, String> env;

    CredentialStore(String cliCreds, Map<String, String> env) {
        this.cliCreds = cliCreds;
        this.env = env;
    }

    static CredentialStore fromEnvironment(String cliCreds) {
        return new CredentialStore(cliCreds, System.getenv());
    }

    Optional<Credentials> lookup(String registry, String repository) {
        if (cliCreds != null) {
            return Optional.of(Credentials.parse(cliCreds, "--creds"));
        }
        Optional<Credentials> docker = fromDockerConfig(registry);
        if (docker.isPresent()) {
            return docker;
        }
        return fromContainersAuth(registry, repository);
    }

    Path dockerConfig() {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir, "config.json");
        }
        return home().resolve(".docker").resolve("config.json");
    }

    private Path home() {
        String home = env.get("HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }

    private Optional<Credentials> fromDockerConfig(String registry) {
        Path file = dockerConfig();
        JsonNode root = readJson(file);
        if (root == null) {
            return Optional.empty();
        }
        String serverKey = registry.equals(Reference.DOCKER_HUB) ? DOCKER_HUB_KEY : registry;
        JsonNode helpers = root.path("credHelpers");
        for (var it = helpers.fields(); it.hasNext(); ) {
            var e = it.next();
            if (normalise(e.getKey()).equals(registry) && e.getValue().isTextual()) {
                return runHelper(e.getValue().asText(), serverKey);
            }
        }
        if (root.path("credsStore").isTextual() && !root.path("credsStore").asText().isEmpty()) {
            Optional<Credentials> stored = runHelper(root.path("credsStore").asText(), serverKey);
            if (stored.isPresent()) {
                return stored;
            }
        }
        return fromAuths(root.path("auths"), List.of(registry), file);
    }

    private Optional<Credentials> fromContainersAuth(String registry, String repository) {
        Path file;
        String explicit = env.get("REGISTRY_AUTH_FILE");
        if (explicit != null && !explicit.isEmpty()) {
            file = Path.of(explicit);
        } else {
            String runtime = env.get("XDG_RUNTIME_DIR");
            if (runtime == null || runtime.isEmpty()) {
                return Optional.empty();
            }
            file = Path.of(runtime, "containers", "auth.json");
        }
        JsonNode root = readJson(file);
        if (root == null) {
            return Optional.empty();
        }
        // containers-auth.json(5): keys may name a namespace or repository; the most specific wins.
        List<String> keys = new ArrayList<>();
        String path = registry + "/" + repository;
        while (true) {
            keys.add(path);
            int slash = path.lastIndexOf('/');
            if (slash < 0) {
                break;
            }
            path = path.substring(0, slash);
        }
        return fromAuths(root.path("auths"), keys, file);
    }

    private static Optional<Credentials> fromAuths(JsonNode auths, List<String> keysMostSpecificFirst, Path file) {
        for (String key : keysMostSpecificFirst) {
            for (var it = auths.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!normalise(e.getKey()).equals(key)) {
                    continue;
                }
                String auth = e.getValue().path("auth").asText("");
                if (!auth.isEmpty()) {
                    String decoded;
                    try {
                        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException ex) {
                        throw new KilnException(file + ": auths." + e.getKey() + ".auth is not valid base64");
                    }
                    return Optional.of(Credentials.parse(decoded, file.toString()));
                }
                String user = e.getValue().path("username").asText("");
                String pass = e.getValue().path("password").asText("");
                if (!user.isEmpty()) {
                    return Optional.of(new Credentials(user, pass, file.toString()));
                }
            }
        }
        return Optional.empty();
    }

    /** "https://index.docker.io/v1/" -> "docker.io", "https://host:5000/x" -> "host:5000". */
    static String normalise(String key) {
        String k = key;
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        while (k.endsWith("/")) {
            k = k.substring(0, k.length() - 1);
        }
        if (k.endsWith("/v1") || k.endsWith("/v2")) {
            k = k.substring(0, k.length() - 3);
        }
        for (String hub : new String[] {"index.docker.io", "registry-1.docker.io"}) {
            if (k.equals(hub) || k.startsWith(hub + "/")) {
                k = Reference.DOCKER_HUB + k.substring(hub.length());
            }
        }
        return k;
    }

    /** Runs "docker-credential-NAME get" with the server URL on stdin (the credential helper protocol). */
    private Optional<Credentials> runHelper(String name, String serverUrl) {
        String program = "docker-credential-" + name;
        Path exe = findOnPath(program);
        if (exe == null) {
            throw new NotFound(program, "credential helper", "on PATH (" + dockerConfig() + " names it)");
        }
        try {
            Process p = new ProcessBuilder(exe.toString(), "get").redirectErrorStream(false).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            p.getErrorStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KilnException(program + ": timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0) {
                // The protocol says "credentials not found in native keychain" means: none.
                if (text.toLowerCase().contains("credentials not found")) {
                    return Optional.empty();
                }
                // Helper output may echo secrets; report only the exit status.
                throw new KilnException(program + " get " + serverUrl + ": exited with status " + p.exitValue());
            }
            JsonNode node = JSON.readTree(text);
            String user = node.path("Username").asText("");
            String secret = node.path("Secret").asText("");
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(user, secret, program));
        } catch (IOException e) {
            throw new KilnException(program + " get " + serverUrl + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KilnException(program + ": interrupted");
        }
    }

    private Path findOnPath(String program) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            // Jackson's message can quote file content (which holds secrets): name the file only.
            throw new KilnException(file + ": not valid JSON");
        }
    }
}
