package dev.kiln.source.registry;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialStoreTest {
    @TempDir
    Path dir;

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    Map<String, String> env() throws Exception {
        Files.createDirectories(dir.resolve("home/.docker"));
        Files.createDirectories(dir.resolve("run/containers"));
        Files.createDirectories(dir.resolve("bin"));
        return Map.of("HOME", dir.resolve("home").toString(), "XDG_RUNTIME_DIR", dir.resolve("run").toString(),
                "PATH", dir.resolve("bin").toString());
    }

    @Test
    void credsOptionWinsOverEverything() throws Exception {
        var env = env();
        Files.writeString(dir.resolve("home/.docker/config.json"), "{\"auths\":{\"h:5000\":{\"auth\":\"" + b64("a:b") + "\"}}}");
        assertThat(new CredentialStore("me:pw:with:colons", env).lookup("h:5000", "x"))
                .contains(new Credentials("me", "pw:with:colons", "--creds"));
    }

    @Test
    void dockerConfigAuthsIncludingDockerHubsLegacyKey() throws Exception {
        var env = env();
        Path config = dir.resolve("home/.docker/config.json");
        Files.writeString(config, "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw1") + "\"},"
                + "\"https://h:5000\":{\"auth\":\"" + b64("h:pw2") + "\"}}}");
        var store = new CredentialStore(null, env);
        assertThat(store.lookup("docker.io", "library/alpine")).contains(new Credentials("hub", "pw1", config.toString()));
        assertThat(store.lookup("h:5000", "ns/app")).contains(new Credentials("h", "pw2", config.toString()));
        assertThat(store.lookup("other.io", "ns/app")).isEmpty();
    }

    @Test
    void dockerConfigEnvironmentVariableMovesTheFile() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("config.json"), "{\"auths\":{\"h\":{\"auth\":\"" + b64("u:p") + "\"}}}");
        var env = new java.util.HashMap<>(env());
        env.put("DOCKER_CONFIG", elsewhere.toString());
        assertThat(new CredentialStore(null, env).lookup("h", "r")).map(Credentials::user).contains("u");
    }

    @Test
    void credentialHelpersRunWithTheServerUrlOnStdin() throws Exception {
        var env = env();
        // The helper echoes the server URL it was asked about into the user name.
        Path helper = dir.resolve("bin/docker-credential-fake");
        Files.writeString(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread url\n"
                + "case \"$url\" in none*) echo 'credentials not found in native keychain'; exit 1;; esac\n"
                + "printf '{\"ServerURL\":\"%s\",\"Username\":\"u-%s\",\"Secret\":\"s3\"}' \"$url\" \"$url\"\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("home/.docker/config.json"), "{\"credHelpers\":{\"special.io\":\"fake\",\"none.io\":\"fake\"},"
                + "\"credsStore\":\"fake\",\"auths\":{\"h\":{\"auth\":\"" + b64("file:pw") + "\"}}}");
        var store = new CredentialStore(null, env);
        assertThat(store.lookup("special.io", "r")).contains(new Credentials("u-special.io", "s3", "docker-credential-fake"));
        assertThat(store.lookup("docker.io", "library/x")).map(Credentials::user).contains("u-https://index.docker.io/v1/");
        assertThat(store.lookup("none.io", "r")).isEmpty();
    }

    @Test
    void aMissingHelperIsAnErrorNamingIt() throws Exception {
        var env = env();
        Files.writeString(dir.resolve("home/.docker/config.json"), "{\"credsStore\":\"nothere\"}");
        assertThatThrownBy(() -> new CredentialStore(null, env).lookup("h", "r"))
                .isInstanceOf(KilnException.class).hasMessageStartingWith("docker-credential-nothere: ");
    }

    @Test
    void podmanAuthFileIsLastAndMatchesTheMostSpecificNamespace() throws Exception {
        var env = env();
        Path auth = dir.resolve("run/containers/auth.json");
        Files.writeString(auth, "{\"auths\":{\"q.io\":{\"auth\":\"" + b64("all:1") + "\"},"
                + "\"q.io/team\":{\"auth\":\"" + b64("team:2") + "\"}}}");
        var store = new CredentialStore(null, env);
        assertThat(store.lookup("q.io", "team/app")).map(Credentials::user).contains("team");
        assertThat(store.lookup("q.io", "other/app")).map(Credentials::user).contains("all");
        Files.writeString(dir.resolve("home/.docker/config.json"), "{\"auths\":{\"q.io\":{\"auth\":\"" + b64("docker:3") + "\"}}}");
        assertThat(store.lookup("q.io", "team/app")).map(Credentials::user).contains("docker");
    }

    @Test
    void secretsNeverAppearInMessagesOrToString() throws Exception {
        var env = env();
        Path config = dir.resolve("home/.docker/config.json");
        Files.writeString(config, "{\"auths\":{\"h\":{\"auth\":\"" + b64("u:TOPSECRET") + "\"}},,,");
        assertThatThrownBy(() -> new CredentialStore(null, env).lookup("h", "r"))
                .hasMessage(config + ": not valid JSON");
        assertThat(new Credentials("u", "TOPSECRET", "x").toString()).doesNotContain("TOPSECRET");
        assertThat(Optional.of(new Credentials("u", "TOPSECRET", "x")).toString()).doesNotContain("TOPSECRET");
    }
}
