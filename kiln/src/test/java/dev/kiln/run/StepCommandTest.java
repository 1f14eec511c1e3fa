package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.image.ImageConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepCommandTest {
    private static final ImageConfig IMAGE = new ImageConfig(List.of("/app"), List.of(), List.of("PATH=/bin", "A=1", "B"),
            "/srv", "app", null, null);

    @Test
    void theStepsEnvironmentReplacesOrExtendsTheImagesAndItsWorkdirWins() {
        StepCommand s = StepCommand.onImage(IMAGE, "make", List.of("A=2", "C=x=y", "B=now"), null, null, true);
        assertThat(s.env()).containsExactly("PATH=/bin", "A=2", "C=x=y", "B=now");
        assertThat(s.workdir()).isEqualTo("/srv");
        assertThat(s.user()).as("root, not the image's User").isEmpty();
        assertThat(StepCommand.onImage(IMAGE, "make", null, "app", "/w", false).workdir()).isEqualTo("/w");
        assertThat(StepCommand.onImage(ImageConfig.empty(), "make", null, null, null, false).workdir()).isEmpty();
    }

    @Test
    void theConfigRecords() {
        StepCommand s = new StepCommand("echo 'a b'\nexit 3", List.of("A=1"), "app:staff", "/w", true);
        assertThat(records(s.config("n0nce", Duration.ofMillis(1500)))).containsExactly("version=1", "nonce=n0nce",
                "command=echo 'a b'\nexit 3", "env=A=1", "user=app:staff", "workdir=/w", "dns=10.0.2.3", "timeout=2");
        assertThat(records(new StepCommand("true", null, null, null, false).config("n", Duration.ZERO)))
                .containsExactly("version=1", "nonce=n", "command=true");
    }

    @Test
    void whatKilnInitCouldNotCarryIsRefused() {
        assertThatThrownBy(() -> new StepCommand(" ", null, null, null, false)).isInstanceOf(KilnException.class)
                .hasMessage("run step: the command is empty");
        assertThatThrownBy(() -> new StepCommand("a\0b", null, null, null, false)).isInstanceOf(KilnException.class)
                .hasMessage("run step a?b: contains a NUL byte");
        assertThatThrownBy(() -> StepCommand.onImage(IMAGE, "true", List.of("NOVALUE"), null, null, false))
                .isInstanceOf(KilnException.class).hasMessage("env NOVALUE: expected NAME=VALUE");
        assertThatThrownBy(() -> new StepCommand("true", List.of("A=\0"), null, null, false))
                .isInstanceOf(KilnException.class).hasMessage("env A=?: contains a NUL byte");
        assertThatThrownBy(() -> new StepCommand("true", null, null, "rel/dir", false)).isInstanceOf(KilnException.class)
                .hasMessage("workdir rel/dir: must be an absolute path");
    }

    private static List<String> records(byte[] config) {
        String s = new String(config, StandardCharsets.UTF_8);
        assertThat(s).endsWith("\0");
        return List.of(s.substring(0, s.length() - 1).split("\0", -1));
    }
}
