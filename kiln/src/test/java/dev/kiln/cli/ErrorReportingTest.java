package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorReportingTest {
    @TempDir
    Path dir;

    @Test
    void aFailureIsOneLineNamingWhatFailedAndExitsNonZero() {
        Captured c = run("build", "nosuchscheme:thing", "-o", dir.resolve("x.ext4").toString(), "--size", "12Q");
        assertThat(c.exit).isNotZero();
        assertThat(c.err).startsWith("kiln: --size 12Q: not a size");
        assertThat(c.err.lines().count()).isEqualTo(1);
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void debugAddsTheStackTrace() {
        Captured c = run("build", "--debug", "nosuchscheme:thing", "-o", dir.resolve("x.ext4").toString(), "--size", "12Q");
        assertThat(c.exit).isNotZero();
        assertThat(c.err).startsWith("kiln: --size 12Q").contains("\tat dev.kiln.");
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        Captured c = run("build", "--no-such-option", "tar:x", "-o", "y");
        assertThat(c.exit).isEqualTo(2);
        assertThat(c.err).contains("Unknown option: '--no-such-option'");
    }

    record Captured(int exit, String err) {
    }

    static Captured run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        try (PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            int exit = Main.run(args);
            return new Captured(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }
}
