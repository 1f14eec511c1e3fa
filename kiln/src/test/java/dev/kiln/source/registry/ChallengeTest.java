package dev.kiln.source.registry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChallengeTest {
    @Test
    void parsesDockerHubsBearerChallenge() {
        var c = Challenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/alpine:pull,push\"");
        assertThat(c).containsExactly(new Challenge("bearer", Map.of("realm", "https://auth.docker.io/token",
                "service", "registry.docker.io", "scope", "repository:library/alpine:pull,push")));
    }

    @Test
    void parsesSeveralChallengesAndPrefersBearer() {
        var all = Challenge.parse("Basic realm=\"x\", Bearer realm=\"https://t/token\", service=s");
        assertThat(all).extracting(Challenge::scheme).containsExactly("basic", "bearer");
        assertThat(all.get(1).params()).containsEntry("service", "s");
        assertThat(Challenge.pick(List.of("Basic realm=\"r\"", "Bearer realm=\"t\"")).orElseThrow().scheme()).isEqualTo("bearer");
        assertThat(Challenge.pick(List.of("Basic realm=\"a \\\"q\\\" b\"")).orElseThrow().params()).containsEntry("realm", "a \"q\" b");
        assertThat(Challenge.pick(List.of("Negotiate"))).isEmpty();
    }
}
