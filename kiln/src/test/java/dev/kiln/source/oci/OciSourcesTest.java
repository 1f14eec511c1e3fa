package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.cli.Main;
import dev.kiln.image.Image;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The on-disk image sources against images made by umoci and converted by skopeo: every form
 * flattens to what {@code umoci unpack} shows, media types and indexes are honoured, and every
 * kind of broken image fails with a message naming the blob.
 */
class OciSourcesTest {
    @TempDir
    static Path work;
    static Path layout;
    static List<String> reference;

    @BeforeAll
    static void build() throws IOException {
        OciFixtures.assumeOciTools();
        Tools.assumeTools("zstd", "python3");
        layout = work.resolve("layout");
        Tools.sh("""
                cd %s
                mkdir -p l1/etc l1/usr/bin l1/var/tmp l2/etc
                echo one > l1/etc/one; echo two > l1/etc/two; head -c 300000 /dev/urandom > l1/usr/bin/tool
                chmod 0755 l1/usr/bin/tool; ln -s ../bin/tool l1/usr/bin/link; chmod 1777 l1/var/tmp
                touch l2/etc/.wh.two; echo three > l2/etc/three
                tar --numeric-owner -C l1 -cf l1.tar .
                tar --numeric-owner -C l2 -cf l2.tar .
                """.formatted(work));
        OciFixtures.newImage(layout, "t");
        OciFixtures.addLayer(layout, "t", work.resolve("l1.tar"));
        OciFixtures.addLayer(layout, "t", work.resolve("l2.tar"));
        Tools.check("umoci", "config", "--image", layout + ":t", "--config.entrypoint", "/usr/bin/tool",
                "--config.cmd", "--serve", "--config.env", "MODE=test", "--config.workingdir", "/srv",
                "--config.user", "1000:1000", "--config.exposedports", "8080/tcp", "--config.label", "team=kiln");
        reference = OciFixtures.reference(layout, "t", work);
        assertThat(reference).anyMatch(l -> l.startsWith("/etc/three|")).noneMatch(l -> l.startsWith("/etc/two|"));
    }

    static Path copy(String name) {
        Path dir = work.resolve(name);
        Tools.check("cp", "-a", layout.toString(), dir.toString());
        return dir;
    }

    static JsonNode manifest(Path dir, String ref) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (JsonNode d : json.readTree(dir.resolve("index.json").toFile()).path("manifests")) {
            if (ref.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                return ((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(blob(dir, d.path("digest").asText()).toFile())).put("_digest", d.path("digest").asText());
            }
        }
        throw new AssertionError("no " + ref);
    }

    static Path blob(Path dir, String digest) {
        return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }

    static String layerDigest(Path dir, int i) throws IOException {
        return manifest(dir, "t").path("layers").get(i).path("digest").asText();
    }

    static void edit(Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("python3", script().toString(), dir.toString(), "t"));
        command.addAll(List.of(args));
        Tools.check(command.toArray(String[]::new));
    }

    static Path script() {
        Path file = work.resolve("layout-edit.py");
        if (!Files.exists(file)) {
            try (InputStream in = OciSourcesTest.class.getResourceAsStream("layout-edit.py")) {
                Files.write(file, in.readAllBytes());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return file;
    }

    @Test
    void everyFormFlattensLikeUmociUnpack() throws IOException {
        String digest = manifest(layout, "t").path("_digest").asText();
        Path ociArchive = work.resolve("image-oci.tar");
        Path dockerArchive = work.resolve("image-docker.tar");
        Tools.check("skopeo", "copy", "-q", "oci:" + layout + ":t", "oci-archive:" + ociArchive + ":t");
        Tools.check("skopeo", "copy", "-q", "oci:" + layout + ":t", "docker-archive:" + dockerArchive + ":kiln/app:1");
        for (String ref : List.of("oci:" + layout + ":t", "oci:" + layout, "oci:" + layout + ":" + digest,
                "oci-archive:" + ociArchive + ":t", "oci-archive:" + ociArchive,
                "docker-archive:" + dockerArchive, "docker-archive:" + dockerArchive + ":kiln/app:1",
                "docker-archive:" + dockerArchive + ":docker.io/kiln/app:1")) {
            assertThat(OciFixtures.flattened(ref)).as(ref).containsExactlyElementsOf(reference);
        }
        assertThat(OciFixtures.built("docker-archive:" + dockerArchive, work, reference)).containsExactlyElementsOf(reference);
        assertThat(OciFixtures.built("oci-archive:" + ociArchive, work, reference)).containsExactlyElementsOf(reference);
        try (Image image = Sources.open("docker-archive:" + dockerArchive, SourceOptions.defaults())) {
            assertThat(image.config().entrypoint()).containsExactly("/usr/bin/tool");
            assertThat(image.layers()).hasSize(2);
        }
    }

    @Test
    void oldDockerSaveLayoutWithLayerSymlinks() throws IOException {
        Path dockerArchive = work.resolve("image-docker-old.tar");
        Path oldLayout = work.resolve("image-docker-v1.tar");
        Tools.check("skopeo", "copy", "-q", "oci:" + layout + ":t", "docker-archive:" + dockerArchive + ":kiln/app:1");
        // Point manifest.json at the ID/layer.tar names (symlinks inside the archive), as docker save did.
        Tools.check("python3", "-c", """
                import io, json, sys, tarfile
                src = tarfile.open(sys.argv[1]); dst = tarfile.open(sys.argv[2], 'w')
                links = {m.linkname.split('/')[-1]: m.name for m in src.getmembers() if m.name.endswith('/layer.tar')}
                for m in src.getmembers():
                    data = src.extractfile(m).read() if m.isfile() else None
                    if m.name == 'manifest.json':
                        man = json.loads(data)
                        for e in man:
                            e['Layers'] = [links[l] for l in e['Layers']]
                        data = json.dumps(man).encode(); m.size = len(data)
                    dst.addfile(m, io.BytesIO(data) if data is not None else None)
                dst.close()
                """, dockerArchive.toString(), oldLayout.toString());
        try (Image image = Sources.open("docker-archive:" + oldLayout, SourceOptions.defaults())) {
            assertThat(image.layers()).hasSize(2);
        }
        assertThat(OciFixtures.flattened("docker-archive:" + oldLayout + ":kiln/app:1")).containsExactlyElementsOf(reference);
    }

    @Test
    void zstdAndUncompressedLayers() throws IOException {
        Path dir = copy("zstd");
        Path l0 = blob(dir, layerDigest(dir, 0));
        Path l1 = blob(dir, layerDigest(dir, 1));
        Tools.sh("gzip -dc %s | zstd -q -c > %s/l0.zst && gzip -dc %s > %s/l1.raw".formatted(l0, work, l1, work));
        edit(dir, "layer-blob", "0", work.resolve("l0.zst").toString(), MediaTypes.OCI_LAYER_ZSTD);
        edit(dir, "layer-blob", "1", work.resolve("l1.raw").toString(), MediaTypes.OCI_LAYER_TAR);
        assertThat(OciFixtures.flattened("oci:" + dir + ":t")).containsExactlyElementsOf(reference);
    }

    @Test
    void imageConfigIsParsed() throws IOException {
        try (Image image = Sources.open("oci:" + layout + ":t", SourceOptions.defaults())) {
            var c = image.config();
            assertThat(c.entrypoint()).containsExactly("/usr/bin/tool");
            assertThat(c.cmd()).containsExactly("--serve");
            assertThat(c.env()).contains("MODE=test");
            assertThat(c.workingDir()).isEqualTo("/srv");
            assertThat(c.user()).isEqualTo("1000:1000");
            assertThat(c.exposedPorts()).containsExactly("8080/tcp");
            assertThat(c.labels()).containsEntry("team", "kiln");
            assertThat(image.platform()).contains("linux/amd64");
            assertThat(image.manifestDigest()).contains(manifest(layout, "t").path("_digest").asText());
        }
    }

    @Test
    void inspectPrintsManifestPlatformLayersAndConfig() throws IOException {
        JsonNode m = manifest(layout, "t");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Main.run("inspect", "oci:" + layout + ":t");
        } finally {
            System.setOut(old);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(out).isZero();
        assertThat(out).contains(m.path("_digest").asText()).contains("linux/amd64")
                .contains(m.path("config").path("digest").asText())
                .contains(m.path("layers").get(0).path("digest").asText() + "  " + MediaTypes.OCI_LAYER_GZIP
                        + "  " + m.path("layers").get(0).path("size").asLong() + " bytes")
                .contains(m.path("layers").get(1).path("digest").asText())
                .contains("/usr/bin/tool").contains("8080/tcp").contains("MODE=test").contains("team");
    }

    @Test
    void platformIsPickedFromAnIndex() throws IOException {
        Path dir = copy("multi");
        edit(dir, "index", "multi", "linux/arm64/v8", "linux/s390x");
        SourceOptions arm = new SourceOptions("linux/arm64", null, List.of(), null, null, true);
        try (Image image = Sources.open("oci:" + dir + ":multi", arm)) {
            assertThat(image.platform()).contains("linux/arm64/v8");
        }
        assertThat(OciFixtures.flattened("oci:" + dir + ":multi", arm)).containsExactlyElementsOf(reference);
        SourceOptions ppc = new SourceOptions("linux/ppc64le", null, List.of(), null, null, true);
        assertThatThrownBy(() -> Sources.open("oci:" + dir + ":multi", ppc))
                .hasMessageContaining("linux/ppc64le").hasMessageContaining("present: linux/arm64/v8, linux/s390x");
        // A single-platform image asked for another platform explicitly.
        assertThatThrownBy(() -> Sources.open("oci:" + dir + ":t", ppc))
                .hasMessageContaining("linux/ppc64le").hasMessageContaining("linux/amd64");
    }

    @Test
    void corruptBlobNamesTheBlob() throws IOException {
        Path dir = copy("corrupt");
        String digest = layerDigest(dir, 0);
        try (RandomAccessFile f = new RandomAccessFile(blob(dir, digest).toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x55);
        }
        assertThatThrownBy(() -> OciFixtures.flattened("oci:" + dir + ":t")).hasMessageStartingWith(digest);
    }

    @Test
    void blobWithWrongDigestIsRejected() throws IOException {
        Path dir = copy("wrong");
        String digest = layerDigest(dir, 1);
        Path file = blob(dir, digest);
        // Same size, different (valid gzip) content: only the digest can tell.
        byte[] other = Files.readAllBytes(blob(dir, layerDigest(dir, 0)));
        byte[] mine = Files.readAllBytes(file);
        byte[] swapped = java.util.Arrays.copyOf(other, mine.length);
        Files.write(file, swapped);
        assertThatThrownBy(() -> OciFixtures.flattened("oci:" + dir + ":t"))
                .hasMessageStartingWith(digest).satisfies(e -> assertThat(e.getMessage()).containsAnyOf(
                        "digest mismatch", "truncated", "larger"));
    }

    @Test
    void missingBlobIsNamed() throws IOException {
        Path dir = copy("missing");
        String digest = layerDigest(dir, 0);
        Files.delete(blob(dir, digest));
        assertThatThrownBy(() -> OciFixtures.flattened("oci:" + dir + ":t"))
                .hasMessageStartingWith(digest).hasMessageContaining("missing");
    }

    @Test
    void unknownMediaTypeIsRejected() throws IOException {
        Path dir = copy("mediatype");
        String digest = layerDigest(dir, 0);
        edit(dir, "layer-type", "0", "application/vnd.example.layer.v1.squashfs");
        assertThatThrownBy(() -> Sources.open("oci:" + dir + ":t", SourceOptions.defaults()))
                .hasMessageStartingWith(digest).hasMessageContaining("application/vnd.example.layer.v1.squashfs");
    }

    @Test
    void absentNonDistributableLayerIsExplained() throws IOException {
        Path dir = copy("foreign");
        String digest = layerDigest(dir, 0);
        edit(dir, "layer-type", "0", "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip");
        Files.delete(blob(dir, digest));
        assertThatThrownBy(() -> OciFixtures.flattened("oci:" + dir + ":t"))
                .hasMessageStartingWith(digest).hasMessageContaining("non-distributable");
    }

    @Test
    void unknownNamesAreListed() {
        assertThatThrownBy(() -> Sources.open("oci:" + layout + ":nope", SourceOptions.defaults()))
                .hasMessageContaining("nope").hasMessageContaining("present: t");
        assertThat(Main.run("inspect", "oci:" + layout + ":nope")).isEqualTo(1);
    }
}
