package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class ClassWarmupTest {
    /** The warm-up ignores failures by design, so a renamed class would silently stop it helping. */
    @Test
    void everyRootNamesAClassThatExists() {
        assertThat(ClassWarmup.ROOTS).isNotEmpty();
        for (String name : ClassWarmup.ROOTS) {
            assertThatCode(() -> Class.forName(name, false, ClassWarmupTest.class.getClassLoader()))
                    .as(name).doesNotThrowAnyException();
        }
    }

    /** Tests run with picocli's own jar on the class path: the same lookup the shaded jar gets. */
    @Test
    void findsPicocliNestedClassesInTheJarThatHoldsPicocli() {
        assertThat(ClassWarmup.picocliClasses())
                .hasSizeGreaterThan(100)
                .contains("picocli.CommandLine$Model$CommandSpec", "picocli.CommandLine$Interpreter")
                .allMatch(n -> n.startsWith("picocli.CommandLine$"));
    }
}
