package dev.kiln.run;

import dev.kiln.UnsupportedInput;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchTest {
    @Test
    void anArchitectureKilnDoesNotRunIsUnsupportedInput() {
        assertThat(Arch.parse("amd64")).isEqualTo(Arch.X86_64);
        assertThat(Arch.parse("ARM64")).isEqualTo(Arch.AARCH64);
        assertThatThrownBy(() -> Arch.parse("s390x")).isInstanceOfSatisfying(UnsupportedInput.class, u -> {
            assertThat(u.subject()).isEqualTo("--arch s390x");
            assertThat(u).hasMessage("--arch s390x: expected x86_64 (amd64) or aarch64 (arm64)");
        });
    }

    @Test
    void onAnotherHostTheHostArchitectureIsNone() {
        String saved = System.getProperty("os.arch");
        try {
            System.setProperty("os.arch", "s390x");
            assertThat(Arch.host()).isNull();
            System.setProperty("os.arch", "amd64");
            assertThat(Arch.host()).isEqualTo(Arch.X86_64);
        } finally {
            System.setProperty("os.arch", saved);
        }
    }
}
