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
        // one line, not the whole help, which would push the error off the screen
        assertThat(c.err).isEqualTo("kiln: unknown option: '--no-such-option'; did you mean --no-cache or --no-journal?"
                + " (kiln build --help lists the options)\n");
        c = run("cache", "prune", "--older-than", "soon");
        assertThat(c.exit).isEqualTo(2);
        assertThat(c.err).as("no Java type names").isEqualTo("kiln: invalid value for option '--older-than': 'soon' is"
                + " not a number (kiln cache prune --help lists the options)\n");
        c = run("run", "img.ext4");
        assertThat(c.exit).isEqualTo(2);
        assertThat(c.err).isEqualTo("kiln: missing required option: '--kernel=FILE' (kiln run --help lists the options)\n");
    }

    /** Messages quote values from the image: a newline or a terminal escape in one stays one visible line. */
    @Test
    void whatTheInputPutInAMessageCannotBreakTheLine() {
        assertThat(ErrorHandler.describe(new dev.kiln.KilnException("sha256:ab: media type \"a\nb\u001b[31m\u0000\"")))
                .isEqualTo("sha256:ab: media type \"a\\nb\\x1b[31m\\x00\"");
        // Kiln's own continuation lines (a failed step's output) stay lines, indented under the error
        assertThat(ErrorHandler.describe(new dev.kiln.KilnException("step 2 (make) failed with exit status 2; its last"
                + " lines:\n  cc: error\n  make: *** [all] Error 1"))).isEqualTo("step 2 (make) failed with exit status 2;"
                + " its last lines:\n  cc: error\n  make: *** [all] Error 1");
        String huge = ErrorHandler.describe(new dev.kiln.KilnException("index.json: media type \"" + "x".repeat(70_000)
                + "\" is not an image manifest"));
        assertThat(huge).hasSizeBetween(1990, 2010).startsWith("index.json: media type \"xxx").contains("...")
                .endsWith("\" is not an image manifest");
    }

    /** Jackson's own text (Java type names, several lines, the whole offending value) stays out of the line. */
    @Test
    void aDocumentOfTheWrongShapeIsOneLineInKilnsWords() {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> dev.kiln.image.Json.read(
                ("{\"schemaVersion\":\"" + "x".repeat(5000) + "\",\"manifests\":[]}").getBytes(StandardCharsets.UTF_8),
                dev.kiln.image.ImageIndex.class, "index.json"));
        assertThat(ErrorHandler.describe(e)).isEqualTo("index.json: schemaVersion: expected a number");
        e = org.assertj.core.api.Assertions.catchThrowable(() -> dev.kiln.image.Json.read(
                "{\"schemaVersion\": 2,\n\n oops".getBytes(StandardCharsets.UTF_8), dev.kiln.image.ImageIndex.class,
                "index.json"));
        assertThat(ErrorHandler.describe(e)).startsWith("index.json: not valid JSON: ").doesNotContain("\n")
                .doesNotContain("com.fasterxml");
    }

    @Test
    void fileSystemErrorsSayWhatWentWrongNotJustThePath() {
        assertThat(ErrorHandler.describe(new java.nio.file.AccessDeniedException("/root/x.ext4")))
                .isEqualTo("/root/x.ext4: permission denied");
        assertThat(ErrorHandler.describe(new java.io.IOException("writing rootfs.ext4",
                new java.nio.file.NoSuchFileException("/gone/dir")))).isEqualTo("writing rootfs.ext4: /gone/dir: no such file or directory");
    }

    @Test
    void aTypedErrorIsItsOwnLineWhatEverItWasCausedBy() {
        java.io.IOException full = new java.io.IOException("No space left on device");
        assertThat(ErrorHandler.describe(dev.kiln.PathFailure.ofWrite("out.img", full).orElseThrow()))
                .isEqualTo("out.img: no space left on device");
        java.io.IOException writer = new java.io.IOException("etc/x: uid 4294967296 is beyond ext4's limit of 4294967295");
        assertThat(ErrorHandler.describe(dev.kiln.LimitExceeded.reported(writer.getMessage(), 1L << 32, 0xFFFFFFFFL, writer)))
                .isEqualTo(writer.getMessage());
        assertThat(ErrorHandler.describe(new dev.kiln.NotFound("r.test/app:v1", "", "(404)")))
                .isEqualTo("r.test/app:v1: not found (404)");
    }

    @Test
    void aMissingFileIsNotFoundAndExitsWithTheUsualStatus() {
        Captured c = run("build", "tar:" + dir.resolve("nope.tar"), "-o", dir.resolve("x.ext4").toString());
        assertThat(c.exit).isEqualTo(ErrorHandler.FAILURE);
        assertThat(c.err).isEqualTo("kiln: tar:" + dir.resolve("nope.tar") + ": no such file\n");
    }

    @Test
    void twoOutputsOnOnePathAreRefusedBeforeAnyWork() throws Exception {
        java.nio.file.Path tar = dir.resolve("empty.tar");
        java.nio.file.Files.write(tar, new byte[10240]);
        Captured c = run("build", "tar:" + tar, "-o", dir.resolve("x").toString(), "--format", "tar=" + dir.resolve("x"));
        assertThat(c.exit).isNotZero();
        assertThat(c.err).contains("named by two outputs");
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files).containsExactly(tar);
        }
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
