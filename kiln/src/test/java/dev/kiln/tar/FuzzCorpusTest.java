package dev.kiln.tar;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Replays the fuzz corpus ({@code src/test/resources/fuzz}): inputs that once crashed Kiln, hung
 * it, leaked an internal detail or read wrong, found by the fuzz tests or by the hunt of issue 10.
 * Each {@code NAME} has a {@code NAME.expected}: the exact outcome, "error: MESSAGE" or one
 * line per entry ({@link FuzzOutcome#text()}). Run with {@code -Dkiln.fuzz.update=true} to
 * rewrite the expectations after a deliberate change, and review the diff.
 */
class FuzzCorpusTest {
    private static final boolean UPDATE = Boolean.getBoolean("kiln.fuzz.update");

    static Path corpus() {
        try {
            Path compiled = Path.of(FuzzCorpusTest.class.getResource("/fuzz").toURI());
            // Expectations are rewritten in the sources, not in the copy under target/.
            Path source = Path.of("src/test/resources/fuzz");
            return UPDATE && Files.isDirectory(source) ? source : compiled;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> inputs() {
        try (Stream<Path> files = Files.list(corpus())) {
            return files.filter(p -> !p.getFileName().toString().endsWith(".expected")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusInputEndsAsRecorded() {
        return inputs().stream().map(input -> DynamicTest.dynamicTest(input.getFileName().toString(), () -> {
            byte[] bytes = Files.readAllBytes(input);
            String label = "tar:" + input.getFileName();
            FuzzOutcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> FuzzOutcome.read(bytes, label));
            Path expected = input.resolveSibling(input.getFileName() + ".expected");
            if (UPDATE) {
                Files.writeString(expected, outcome.text());
            }
            assertThat(outcome.text()).isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
        }));
    }

    @Test
    void everyExpectationHasItsInput() throws IOException {
        try (Stream<Path> files = Files.list(corpus())) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".expected"))
                    .map(p -> p.resolveSibling(p.getFileName().toString().replaceFirst("\\.expected$", ""))))
                    .allMatch(Files::exists);
        }
        assertThat(inputs()).hasSizeGreaterThan(10);
    }
}
