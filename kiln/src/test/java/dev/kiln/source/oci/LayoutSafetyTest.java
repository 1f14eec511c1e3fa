package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.cli.Main;
import dev.kiln.image.Image;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;
import dev.kiln.testing.Tools;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Layouts and archives holding more than one image, and blobs that are not what their name
 * says (a FIFO, a symlink to a host file, a device member): never the first image silently,
 * never a hang, never a byte read from outside the layout.
 */
class LayoutSafetyTest {
    static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    static List<String> flattened(String reference) throws IOException {
        return OciFixtures.flattened(reference, SourceOptions.defaults());
    }

    static Image open(String reference, String platform) throws IOException {
        return Sources.open(reference, new SourceOptions(platform, null, List.of(), null, null, true));
    }

    @Test
    void aLayoutOfSeveralImagesNeedsARefAndListsThem() throws Exception {
        // What two `kiln pull ... --to oci:DIR` write: entries with a name and a platform each.
        MiniLayout layout = new MiniLayout(dir.resolve("pulled"));
        layout.add("alpine", "amd64", MiniLayout.files("etc/which", "alpine\n"));
        layout.add("debian", "amd64", MiniLayout.files("etc/which", "debian\n"));
        String ref = "oci:" + layout.dir;
        assertThatThrownBy(() -> open(ref, "linux/amd64"))
                .hasMessage(ref + ": holds several images; name one of alpine, debian (SOURCE:REF)");
        assertThat(flattened(ref + ":debian")).anyMatch(l -> l.startsWith("/etc/which|"))
                .anyMatch(l -> l.contains("sha256=" + MiniLayout.sha256("debian\n".getBytes(StandardCharsets.UTF_8))
                        .substring("sha256:".length())));

        Path out = dir.resolve("out.ext4");
        assertThat(Main.run("build", "-q", ref, "-o", out.toString(), "--platform", "linux/amd64")).isEqualTo(1);
        assertThat(out).doesNotExist();
        assertThat(Main.run("build", "-q", ref + ":alpine", "-o", out.toString(), "--init", "none")).isZero();
        assertThat(out).isRegularFile();
    }

    @Test
    void unnamedImagesAreListedByDigestAndOneNameTwiceByDigestToo() throws Exception {
        MiniLayout layout = new MiniLayout(dir.resolve("unnamed"));
        MiniLayout.Image one = layout.add(null, "amd64", MiniLayout.files("a", "1"));
        MiniLayout.Image two = layout.add(null, "amd64", MiniLayout.files("a", "2"));
        assertThatThrownBy(() -> open("oci:" + layout.dir, "linux/amd64")).hasMessageContaining("holds several images")
                .hasMessageContaining(one.manifest() + " (linux/amd64)").hasMessageContaining(two.manifest());
        MiniLayout same = new MiniLayout(dir.resolve("same-name"));
        same.add("latest", "amd64", MiniLayout.files("a", "1"));
        same.add("latest", "amd64", MiniLayout.files("a", "2"));
        assertThatThrownBy(() -> open("oci:" + same.dir + ":latest", "linux/amd64"))
                .hasMessageContaining("several images named \"latest\"").hasMessageContaining("digest");
    }

    @Test
    void oneImageForSeveralPlatformsAtTheTopLevelIsStillPickedByPlatform() throws Exception {
        MiniLayout layout = new MiniLayout(dir.resolve("platforms"));
        layout.add("app", "amd64", MiniLayout.files("arch", "amd64"));
        layout.add("app", "arm64", MiniLayout.files("arch", "arm64"));
        try (Image image = open("oci:" + layout.dir, "linux/arm64")) {
            assertThat(image.platform()).contains("linux/arm64");
        }
    }

    @Test
    void anOciArchiveOfSeveralImagesIsRefusedToo() throws Exception {
        MiniLayout layout = new MiniLayout(dir.resolve("two"));
        layout.add("a", "amd64", MiniLayout.files("f", "a"));
        layout.add("b", "amd64", MiniLayout.files("f", "b"));
        Path archive = dir.resolve("two.tar");
        MiniLayout.packTar(layout.dir, archive);
        assertThatThrownBy(() -> open("oci-archive:" + archive, "linux/amd64"))
                .hasMessage("oci-archive:" + archive + ": holds several images; name one of a, b (SOURCE:REF)");
        try (Image image = open("oci-archive:" + archive + ":b", null)) {
            assertThat(image.layers()).hasSize(1);
        }
    }

    @Test
    void aDockerArchiveOfSeveralImagesIsRefusedListingTagsAndPositions() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("docker"));
        ArrayNode manifest = MiniLayout.JSON.createArrayNode();
        for (int i = 0; i < 3; i++) {
            byte[] layer = MiniLayout.tar(MiniLayout.files("n", String.valueOf(i)));
            String layerHex = MiniLayout.sha256(layer).substring(7);
            Files.write(tree.resolve(layerHex + ".tar"), layer);
            ObjectNode config = MiniLayout.JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
            config.putObject("rootfs").putArray("diff_ids").add("sha256:" + layerHex);
            byte[] configBytes = MiniLayout.JSON.writeValueAsBytes(config);
            String configHex = MiniLayout.sha256(configBytes).substring(7);
            Files.write(tree.resolve(configHex + ".json"), configBytes);
            ObjectNode m = manifest.addObject().put("Config", configHex + ".json");
            m.putArray("Layers").add(layerHex + ".tar");
            if (i < 2) {
                m.putArray("RepoTags").add("app" + i + ":1");
            }
        }
        Files.write(tree.resolve("manifest.json"), MiniLayout.JSON.writeValueAsBytes(manifest));
        Path archive = dir.resolve("docker.tar");
        MiniLayout.packTar(tree, archive);
        String ref = "docker-archive:" + archive;
        assertThatThrownBy(() -> open(ref, null)).hasMessageStartingWith(ref + ": holds several images; name one of "
                + "app0:1, app1:1, @2");
        try (Image image = open(ref + ":@2", null)) {
            assertThat(image.layers()).hasSize(1);
        }
        try (Image image = open(ref + ":app1:1", null)) {
            assertThat(image.layers()).hasSize(1);
        }
        assertThatThrownBy(() -> open(ref + ":@x", null)).hasMessage(ref + ": no image tagged \"@x\"; present: "
                + "app0:1, app1:1, @2");
        assertThatThrownBy(() -> open(ref + ":@99999999999", null)).hasMessageContaining("no image tagged");
    }

    private MiniLayout oneImage(String name) throws IOException {
        MiniLayout layout = new MiniLayout(dir.resolve(name));
        layout.add("t", "amd64", MiniLayout.files("etc/hostname", "box\n"));
        return layout;
    }

    @Test
    void aFifoBlobIsRefusedNamingTheDigestAndDoesNotHang() throws Exception {
        MiniLayout layout = oneImage("fifo");
        String layer = layout.add("u", "amd64", MiniLayout.files("x", "y")).layer();
        Files.delete(layout.blobPath(layer));
        Tools.check("mkfifo", layout.blobPath(layer).toString());
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> flattened("oci:" + layout.dir + ":u"))
                .hasMessageStartingWith(layer + ": blob ").hasMessageContaining("is a FIFO (named pipe), not a regular file"));
        String config = layout.add("v", "amd64", MiniLayout.files("x", "z")).config();
        Files.delete(layout.blobPath(config));
        Tools.check("mkfifo", layout.blobPath(config).toString());
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> open("oci:" + layout.dir + ":v", null))
                .hasMessageStartingWith(config + ": blob ").hasMessageContaining("FIFO"));
    }

    @Test
    void aSymlinkedBlobIsNotFollowedToTheHostEvenWhenItsContentMatches() throws Exception {
        MiniLayout layout = oneImage("symlink");
        String layer = layout.add("u", "amd64", MiniLayout.files("x", "y")).layer();
        // The host file holds exactly the blob's bytes: only the refusal to follow can fail this.
        Path host = dir.resolve("host-file");
        Files.move(layout.blobPath(layer), host);
        Files.createSymbolicLink(layout.blobPath(layer), host);
        assertThatThrownBy(() -> flattened("oci:" + layout.dir + ":u"))
                .hasMessageStartingWith(layer + ": blob ").hasMessageContaining("is a symbolic link (to " + host + ")");
        Path out = dir.resolve("o.ext4");
        ByteCapture err = ByteCapture.stderr(() -> Main.run("build", "oci:" + layout.dir + ":u", "-o", out.toString()));
        assertThat(err.text()).startsWith("kiln: " + layer + ": blob ");
        assertThat(out).doesNotExist();
    }

    @Test
    void blobsDirectoriesReachedThroughASymlinkAreRefused() throws Exception {
        MiniLayout layout = oneImage("linked-dir");
        Path elsewhere = dir.resolve("elsewhere");
        Files.move(layout.dir.resolve("blobs/sha256"), elsewhere);
        Files.createSymbolicLink(layout.dir.resolve("blobs/sha256"), elsewhere);
        assertThatThrownBy(() -> open("oci:" + layout.dir, null)).hasMessageStartingWith("sha256:")
                .hasMessageContaining("blobs/sha256 is a symbolic link");
    }

    @Test
    void indexJsonMustBeARegularFile() throws Exception {
        MiniLayout layout = oneImage("index-link");
        Path index = layout.dir.resolve("index.json");
        Path host = dir.resolve("host-index.json");
        Files.move(index, host);
        Files.createSymbolicLink(index, host);
        assertThatThrownBy(() -> open("oci:" + layout.dir, null))
                .hasMessage(index + ": is a symbolic link (to " + host + "), not a file; a layout's index.json must be "
                        + "a regular file inside it");
        Files.delete(index);
        Tools.check("mkfifo", index.toString());
        assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> open("oci:" + layout.dir, null))
                .hasMessageContaining("is a FIFO"));
    }

    private static TarArchiveEntry special(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(0100644);
        return e;
    }

    private static TarArchiveEntry symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        return e;
    }

    @Test
    void archiveMembersThatAreNoFilesAreRefusedNamingTheDigest() throws Exception {
        MiniLayout layout = oneImage("archived");
        String layer = layout.add("u", "amd64", MiniLayout.files("x", "y")).layer();
        String member = "blobs/sha256/" + layer.substring(7);
        for (TarArchiveEntry bad : List.of(special(member, TarConstants.LF_FIFO), special(member, TarConstants.LF_CHR),
                special(member, TarConstants.LF_BLK), symlink(member, "../../../../etc/passwd"),
                symlink(member, "/etc/passwd"))) {
            Path archive = dir.resolve("bad.tar");
            MiniLayout.packTar(layout.dir, archive, bad);
            assertTimeoutPreemptively(HANG_GUARD, () -> assertThatThrownBy(() -> flattened("oci-archive:" + archive + ":u"))
                    .hasMessageStartingWith(layer + ": " + archive + ": archive member " + member + " is ")
                    .hasMessageEndingWith("not a file")
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("FIFO", "device", "leading outside")));
        }
        // A link inside the archive is still followed (old docker-archive layouts rely on it).
        Path archive = dir.resolve("linked.tar");
        Files.move(layout.blobPath(layer), layout.dir.resolve("layer.tar"));
        MiniLayout.packTar(layout.dir, archive, symlink(member, "../../layer.tar"));
        assertThat(flattened("oci-archive:" + archive + ":u")).anyMatch(l -> l.startsWith("/x|"));
    }

    /** Captures what the CLI prints to stderr (System.err) while {@code run} runs. */
    record ByteCapture(int exit, String text) {
        static ByteCapture stderr(java.util.function.IntSupplier run) {
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            java.io.PrintStream old = System.err;
            try (java.io.PrintStream capture = new java.io.PrintStream(err, true, StandardCharsets.UTF_8)) {
                System.setErr(capture);
                int exit = run.getAsInt();
                return new ByteCapture(exit, err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setErr(old);
            }
        }
    }
}
