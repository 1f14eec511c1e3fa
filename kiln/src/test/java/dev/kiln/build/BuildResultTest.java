package dev.kiln.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.image.SourceOptions;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the pipeline returns about a build, and its JSON as a JSON parser reads it. */
class BuildResultTest {
    @TempDir
    Path dir;

    private BuildResult build(String source, List<OutputSpec> outputs) throws Exception {
        BuildRequest request = new BuildRequest(source, SourceOptions.defaults(),
                Ext4Options.defaults().withSizeBytes(32L << 20), GuestConfig.none(), 0,
                new OutputPlan(outputs, false, null));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        return new BuildPipeline(new PrintStream(log, true, StandardCharsets.UTF_8), true).run(request);
    }

    @Test
    void anOciImagesResultNamesItsManifestAndEveryOutput() throws Exception {
        Tools.assumeTools("umoci");
        Path layout = dir.resolve("layout");
        Path hello = Files.writeString(dir.resolve("hello"), "hi\n");
        Tools.check("umoci", "init", "--layout", layout.toString());
        Tools.check("umoci", "new", "--image", layout + ":t");
        Tools.check("umoci", "insert", "--image", layout + ":t", hello.toString(), "/etc/hello");
        String manifest = new ObjectMapper().readTree(layout.resolve("index.json").toFile())
                .path("manifests").get(0).path("digest").asText();
        Path image = dir.resolve("r.ext4");
        Path tar = dir.resolve("r.tar.gz");

        BuildResult result = build("oci:" + layout + ":t", List.of(new OutputSpec(OutputFormat.EXT4, image, null),
                new OutputSpec(OutputFormat.TAR, tar, null)));
        JsonNode json = new ObjectMapper().readTree(result.toJson());

        assertThat(json.path("source").asText()).isEqualTo("oci:" + layout + ":t");
        assertThat(json.path("image").path("manifestDigest").asText()).isEqualTo(manifest);
        assertThat(json.path("image").path("configDigest").asText()).startsWith("sha256:");
        assertThat(json.path("image").path("platform").asText()).startsWith("linux/");
        assertThat(json.path("image").path("layers").asInt()).isEqualTo(1);
        JsonNode outputs = json.path("outputs");
        assertThat(outputs).hasSize(2);
        assertThat(outputs.get(0).path("format").asText()).isEqualTo("ext4");
        assertThat(outputs.get(0).path("path").asText()).isEqualTo(image.toString());
        assertThat(outputs.get(0).path("sizeBytes").asLong()).isEqualTo(Files.size(image)).isEqualTo(32L << 20);
        assertThat(outputs.get(0).path("sha256").isNull()).isTrue();
        assertThat(outputs.get(1).path("format").asText()).isEqualTo("tar");
        assertThat(outputs.get(1).path("compression").asText()).isEqualTo("gzip");
        assertThat(outputs.get(1).path("sizeBytes").asLong()).isEqualTo(Files.size(tar));
        assertThat(outputs.get(1).path("sha256").asText()).isEqualTo("sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(tar))));
        assertThat(json.path("filesystem").path("sizeBytes").asLong()).isEqualTo(32L << 20);
        assertThat(json.path("filesystem").path("uuid").asText())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        if (Tools.available("dumpe2fs")) {
            assertThat(Tools.run("dumpe2fs", "-h", image.toString()).stdout())
                    .contains(json.path("filesystem").path("uuid").asText());
        }
        // Everything written: the image's /etc/hello and what the guest stage adds, as the tar holds it.
        long entries = 0;
        long fileBytes = 0;
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.util.zip.GZIPInputStream(Files.newInputStream(tar)))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries++;
                fileBytes += e.isFile() ? e.getSize() : 0;
            }
        }
        assertThat(json.path("entries").asLong()).isEqualTo(result.entries()).isEqualTo(entries);
        assertThat(json.path("fileBytes").asLong()).isEqualTo(fileBytes).isGreaterThanOrEqualTo(3);
        JsonNode timings = json.path("timings");
        assertThat(timings.path("totalMillis").asLong()).isGreaterThanOrEqualTo(timings.path("resolveMillis").asLong()
                + timings.path("writeMillis").asLong() + timings.path("finishMillis").asLong() - 3);
        assertThat(json.path("warnings")).isEmpty();
    }

    @Test
    void aRootfsTarHasNoManifest() throws Exception {
        Tools.assumeTools("tar");
        Path root = Files.createDirectories(dir.resolve("root/etc"));
        Files.writeString(root.resolve("hello"), "hi\n");
        Tools.check("tar", "-C", dir.resolve("root").toString(), "-cf", dir.resolve("in.tar").toString(), ".");
        BuildResult result = build("tar:" + dir.resolve("in.tar"),
                List.of(new OutputSpec(OutputFormat.TAR, dir.resolve("out.tar"), null)));
        JsonNode json = new ObjectMapper().readTree(result.toJson());
        assertThat(json.path("image").path("manifestDigest").isNull()).isTrue();
        assertThat(json.path("image").path("platform").asText()).startsWith("linux/");
        assertThat(json.path("filesystem").isNull()).isTrue();
        assertThat(json.path("outputs").get(0).path("compression").asText()).isEqualTo("none");
    }
}
