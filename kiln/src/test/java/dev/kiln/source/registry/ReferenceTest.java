package dev.kiln.source.registry;

import dev.kiln.KilnException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Docker's normalisation rules, as `docker pull` applies them. */
class ReferenceTest {
    static final String D = "sha256:abababababababababababababababababababababababababababababababab";

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "alpine                              | docker.io     | library/alpine | latest | -",
            "alpine:3.20                         | docker.io     | library/alpine | 3.20   | -",
            "docker://alpine:3.20                | docker.io     | library/alpine | 3.20   | -",
            "user/app                            | docker.io     | user/app       | latest | -",
            "docker.io/library/alpine            | docker.io     | library/alpine | latest | -",
            "index.docker.io/alpine              | docker.io     | library/alpine | latest | -",
            "registry-1.docker.io/x/y:1          | docker.io     | x/y            | 1      | -",
            "ghcr.io/org/app@" + D + "           | ghcr.io       | org/app        | -      | " + D,
            "ghcr.io/org/app:v1@" + D + "        | ghcr.io       | org/app        | v1     | " + D,
            "host:5000/ns/app:tag                | host:5000     | ns/app         | tag    | -",
            "docker://host:5000/ns/app           | host:5000     | ns/app         | latest | -",
            "localhost/app                       | localhost     | app            | latest | -",
            "localhost:5000/a/b/c:x.y-z_1        | localhost:5000| a/b/c          | x.y-z_1| -",
            "127.0.0.1:5000/app                  | 127.0.0.1:5000| app            | latest | -",
            "[::1]:5000/app:1                    | [::1]:5000    | app            | 1      | -",
            "quay.io/a_b/c__d/e-f.g:latest       | quay.io       | a_b/c__d/e-f.g | latest | -",
    })
    void parsesLikeDocker(String text, String registry, String repository, String tag, String digest) {
        Reference r = Reference.parse(text.trim());
        assertThat(r).isEqualTo(new Reference(registry.trim(), repository.trim(), tag == null ? null : tag.trim(),
                digest == null ? null : digest.trim()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "alpine                | registry-1.docker.io | latest",
            "ghcr.io/o/a@" + D + " | ghcr.io              | " + D,
            "host:5000/a:t         | host:5000            | t",
    })
    void endpointAndManifestReference(String text, String endpoint, String ref) {
        Reference r = Reference.parse(text.trim());
        assertThat(r.endpoint()).isEqualTo(endpoint.trim());
        assertThat(r.manifestReference()).isEqualTo(ref.trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Alpine", "ns/App:1", "alpine:", "alpine@sha256:123", "a//b", "-a", "alpine:-x",
            "host:5000/", "docker://", "a@sha256:" + "zz"})
    void rejectsMalformedReferences(String text) {
        assertThatThrownBy(() -> Reference.parse(text)).isInstanceOf(KilnException.class)
                .hasMessageStartingWith(text + ": ");
    }

    @org.junit.jupiter.api.Test
    void printsTheNormalisedForm() {
        assertThat(Reference.parse("alpine").toString()).isEqualTo("docker.io/library/alpine:latest");
        assertThat(Reference.parse("h:1/a@" + D).toString()).isEqualTo("h:1/a@" + D);
    }
}
