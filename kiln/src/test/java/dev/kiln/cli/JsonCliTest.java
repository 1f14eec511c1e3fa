package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testing.KilnProcess;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kiln build --json} and {@code kiln inspect --json} as a child process: standard output
 * is one JSON object a JSON parser reads, whose facts are checked against the files themselves
 * (their sizes on disk and sha256s computed here) and against umoci's layout; progress and
 * messages stay on standard error.
 */
class JsonCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path tar;

    @BeforeEach
    void rootfs() {
        Tools.assumeTools("tar");
        Path root = dir.resolve("root");
        Tools.sh("mkdir -p " + root + "/etc " + root + "/sbin && echo hello > " + root + "/etc/hello && tar -C "
                + root + " --numeric-owner -cf " + dir.resolve("rootfs.tar") + " .");
        tar = dir.resolve("rootfs.tar");
    }

    private static Tools.Result kiln(String... args) {
        return KilnProcess.run(120, args);
    }

    @Test
    void buildPrintsEveryOutputWithItsRealSizeAndDigest() throws Exception {
        Path ext4 = dir.resolve("r.ext4");
        Path tarGz = dir.resolve("r.tar.gz");
        Path initrd = dir.resolve("r.cpio.zst");
        Tools.Result r = kiln("build", "--json", "tar:" + tar, "--init", "kiln", "-o", ext4.toString(),
                "--format", "tar=" + tarGz, "--format", "initramfs=" + initrd);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain("{").contains("wrote");   // the human summary, on stderr only
        JsonNode result = JSON.readTree(r.stdout());

        assertThat(result.path("source").asText()).isEqualTo("tar:" + tar);
        assertThat(result.path("image").path("manifestDigest").isNull()).isTrue();   // a tar: has none
        assertThat(result.path("image").path("platform").asText()).startsWith("linux/");
        List<String> formats = new ArrayList<>();
        for (JsonNode o : result.path("outputs")) {
            formats.add(o.path("format").asText());
            Path file = Path.of(o.path("path").asText());
            assertThat(o.path("sizeBytes").asLong()).as(file.toString()).isEqualTo(Files.size(file));
            // the ext4 image's too: --json pays the second read an image's digest costs
            assertThat(o.path("sha256").asText()).as(file.toString()).isEqualTo(sha256(file));
        }
        assertThat(formats).containsExactly("ext4", "tar", "initramfs");
        assertThat(result.path("outputs").get(1).path("compression").asText()).isEqualTo("gzip");
        assertThat(result.path("outputs").get(2).path("compression").asText()).isEqualTo("zstd");

        JsonNode fs = result.path("filesystem");
        assertThat(fs.path("sizeBytes").asLong()).isEqualTo(Files.size(ext4));
        if (Tools.available("dumpe2fs")) {
            String header = Tools.check("dumpe2fs", "-h", ext4.toString());
            assertThat(header).contains("Filesystem UUID:          " + fs.path("uuid").asText())
                    .contains("Inode count:              " + fs.path("inodeCount").asLong())
                    .contains("Free blocks:              " + fs.path("freeBlocks").asLong());
        }
        assertThat(result.path("entries").asLong()).isPositive();
        JsonNode t = result.path("timings");
        assertThat(t.path("totalMillis").asLong()).isGreaterThanOrEqualTo(t.path("writeMillis").asLong())
                .isGreaterThanOrEqualTo(0);
        assertThat(result.path("warnings").isArray()).isTrue();
    }

    @Test
    void anOciImagesResolvedDigestsAreTheLayoutsOwn() throws Exception {
        Tools.assumeTools("umoci");
        Path layout = umociLayout();
        JsonNode manifestRef = JSON.readTree(layout.resolve("index.json").toFile()).path("manifests").get(0);
        String manifest = manifestRef.path("digest").asText();
        JsonNode manifestBlob = JSON.readTree(blob(layout, manifest).toFile());

        Tools.Result r = kiln("build", "-q", "--json", "oci:" + layout + ":t", "-o", dir.resolve("o.tar").toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).isEmpty();
        JsonNode image = JSON.readTree(r.stdout()).path("image");
        assertThat(image.path("manifestDigest").asText()).isEqualTo(manifest);
        assertThat(image.path("configDigest").asText()).isEqualTo(manifestBlob.path("config").path("digest").asText());
        assertThat(image.path("layers").asInt()).isEqualTo(manifestBlob.path("layers").size());

        Tools.Result inspected = kiln("inspect", "--json", "oci:" + layout + ":t");
        assertThat(inspected.exitCode()).as(inspected.stderr()).isZero();
        JsonNode i = JSON.readTree(inspected.stdout());
        assertThat(i.path("manifestDigest").asText()).isEqualTo(manifest);
        assertThat(i.path("configDigest").asText()).isEqualTo(image.path("configDigest").asText());
        assertThat(i.path("platform").asText()).isEqualTo(image.path("platform").asText());
        JsonNode layer = i.path("layers").get(0);
        JsonNode expected = manifestBlob.path("layers").get(0);
        assertThat(layer.path("digest").asText()).isEqualTo(expected.path("digest").asText());
        assertThat(layer.path("mediaType").asText()).isEqualTo(expected.path("mediaType").asText());
        assertThat(layer.path("size").asLong()).isEqualTo(expected.path("size").asLong())
                .isEqualTo(Files.size(blob(layout, layer.path("digest").asText())));
        assertThat(i.path("config").isObject()).isTrue();
    }

    @Test
    void inspectOfATarSaysWhatItDoesNotHave() throws Exception {
        Tools.Result r = kiln("inspect", "--json", "tar:" + tar);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        JsonNode i = JSON.readTree(r.stdout());
        assertThat(i.path("source").asText()).isEqualTo("tar:" + tar);
        assertThat(i.path("manifestDigest").isNull()).isTrue();
        assertThat(i.path("layers").size()).isEqualTo(1);
    }

    @Test
    void jsonAndAnImageOnStandardOutputAreRefusedBeforeAnythingIsRead() {
        Tools.Result r = kiln("build", "--json", "tar:" + dir.resolve("absent.tar"), "-o", "-", "--format", "tar");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("kiln: --json: standard output carries the tar output (-); write it to a "
                + "file or leave out --json\n");
    }

    private Path umociLayout() throws IOException {
        Path layout = dir.resolve("layout");
        Path hello = Files.writeString(dir.resolve("hello"), "hi\n");
        Tools.check("umoci", "init", "--layout", layout.toString());
        Tools.check("umoci", "new", "--image", layout + ":t");
        Tools.check("umoci", "insert", "--image", layout + ":t", hello.toString(), "/etc/hello");
        return layout;
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }
}
