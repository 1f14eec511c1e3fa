package dev.kiln.image;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The index, manifest and config records: what binds, what the checks refuse, and how. */
class ImageDocumentTest {
    private static final String W = "sha256:" + "f".repeat(64);
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String C = "sha256:" + "c".repeat(64);

    private static ImageDocument read(String json, String declaredType) {
        return ImageDocument.read(json.getBytes(StandardCharsets.UTF_8), declaredType, W);
    }

    private static String manifest(String config, String layers) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config
                + ",\"layers\":" + layers + "}";
    }

    private static String descriptor(String type, String digest, long size) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    @Test
    void aManifestBindsItsConfigAndLayersInOrder() {
        ImageDocument doc = read(manifest(descriptor(MediaTypes.OCI_CONFIG, A, 10),
                "[" + descriptor(MediaTypes.OCI_LAYER_GZIP, B, 20) + "," + descriptor(MediaTypes.OCI_LAYER_ZSTD, C, 30) + "]"),
                "");
        assertThat(doc).isInstanceOf(ImageManifest.class);
        ImageManifest m = (ImageManifest) doc;
        assertThat(m.config()).isEqualTo(new Descriptor(MediaTypes.OCI_CONFIG, A, 10));
        assertThat(m.layers()).extracting(Descriptor::digest).containsExactly(B, C);
        assertThat(m.layers()).extracting(Descriptor::size).containsExactly(20L, 30L);
    }

    @Test
    void anIndexBindsEntriesWithPlatformsInNormalFormAndNames() {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + A + "\",\"size\":1,"
                + "\"platform\":{\"architecture\":\"aarch64\",\"os\":\"linux\",\"variant\":\"v8\"},"
                + "\"annotations\":{\"" + Descriptor.REF_NAME + "\":\"v1\"}},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + B + "\",\"size\":2,"
                + "\"platform\":{\"os\":\"linux\"}}]}";
        ImageIndex index = (ImageIndex) read(json, "");
        assertThat(index.manifests()).hasSize(2);
        assertThat(index.manifests().get(0).platform()).isEqualTo(new Platform("linux", "arm64", "v8"));
        assertThat(index.manifests().get(0).refName()).isEqualTo("v1");
        // No architecture: no platform (an attestation entry, say), as before.
        assertThat(index.manifests().get(1).platform()).isNull();
    }

    @Test
    void dockerTypesAreTheSameShapes() {
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_LIST + "\",\"manifests\":[]}";
        assertThat(read(list, "")).isInstanceOf(ImageIndex.class);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.DOCKER_CONFIG, A, 1) + ",\"layers\":[" + descriptor(MediaTypes.DOCKER_LAYER_GZIP, B, 2) + "]}";
        assertThat(read(manifest, "")).isInstanceOf(ImageManifest.class);
    }

    @Test
    void withoutAnyMediaTypeTheShapeDecides() {
        assertThat(read("{\"manifests\":[]}", "")).isInstanceOf(ImageIndex.class);
        assertThat(read("{\"config\":" + descriptor("", A, 1) + ",\"layers\":[]}", "")).isInstanceOf(ImageManifest.class);
    }

    @Test
    void theDescriptorsMediaTypeWinsOverTheDocuments() {
        // What the referring descriptor says is what was verified; the document's own field is not asked.
        String index = "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"manifests\":[]}";
        assertThat(read(index, MediaTypes.OCI_INDEX)).isInstanceOf(ImageIndex.class);
    }

    @Test
    void unknownPropertiesAreIgnoredEverywhere() {
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":\"x/y\","
                + "\"subject\":{\"digest\":\"" + C + "\"},\"future\":[1,2],"
                + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + A + "\",\"size\":3,"
                + "\"data\":\"e30=\",\"artifactType\":\"a/b\"},"
                + "\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_TAR + "\",\"digest\":\"" + B + "\",\"size\":4,"
                + "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\",\"os.features\":[\"x\"]}}],"
                + "\"annotations\":{\"k\":\"v\"}}";
        ImageManifest m = (ImageManifest) read(json, "");
        assertThat(m.config().digest()).isEqualTo(A);
        assertThat(m.layers().get(0).platform()).isEqualTo(new Platform("linux", "amd64", ""));
        assertThat(m.annotations()).containsEntry("k", "v");
    }

    @Test
    void aManifestWithoutConfigIsRefused() {
        assertThatThrownBy(() -> read("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"layers\":[]}", ""))
                .isInstanceOf(KilnException.class).hasMessage(W + ": manifest has no config");
        assertThatThrownBy(() -> read(manifest("null", "[]"), ""))
                .isInstanceOf(KilnException.class).hasMessage(W + ": manifest has no config");
    }

    @Test
    void descriptorsWithoutSizeOrWithABadDigestAreRefused() {
        assertThatThrownBy(() -> read(manifest("{\"digest\":\"" + A + "\"}", "[]"), ""))
                .hasMessage(W + ": descriptor " + A + " has no size");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "[" + descriptor("", "sha256:../../etc", 1) + "]"), ""))
                .hasMessage(W + ": descriptor has an invalid digest \"sha256:../../etc\"");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "[{\"size\":1}]"), ""))
                .hasMessage(W + ": descriptor has an invalid digest \"\"");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, -7), "[]"), ""))
                .hasMessage(W + ": descriptor " + A + " has a negative size -7");
        assertThatThrownBy(() -> read("{\"manifests\":[{\"digest\":\"" + A + "\"}]}", MediaTypes.OCI_INDEX))
                .hasMessage(W + ": descriptor " + A + " has no size");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/vnd.oci.image.config.v1+json",
            "application/vnd.docker.distribution.manifest.v1+prettyjws", "text/html"})
    void aDocumentOfAnotherTypeIsRefusedNamingTheType(String type) {
        assertThatThrownBy(() -> read("{\"layers\":[],\"manifests\":[]}", type)).isInstanceOf(KilnException.class)
                .hasMessage(W + ": not an image manifest or index (media type \"" + type + "\")");
        String own = "{\"mediaType\":\"" + type + "\",\"layers\":[]}";
        assertThatThrownBy(() -> read(own, "")).hasMessage(W + ": not an image manifest or index (media type \"" + type + "\")");
    }

    @Test
    void aDocumentWithNeitherTypeNorShapeIsRefused() {
        assertThatThrownBy(() -> read("{\"fsLayers\":[]}", ""))
                .hasMessage(W + ": not an image manifest or index (media type \"\")");
    }

    @Test
    void onlySchemaVersionTwoOrNoneIsRead() {
        assertThatThrownBy(() -> read("{\"schemaVersion\":1,\"manifests\":[]}", MediaTypes.OCI_INDEX))
                .hasMessage(W + ": schemaVersion 1 is not supported (expected 2)");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "[]").replace("\"schemaVersion\":2", "\"schemaVersion\":3"), ""))
                .hasMessage(W + ": schemaVersion 3 is not supported (expected 2)");
        assertThat(read("{\"manifests\":[]}", MediaTypes.OCI_INDEX)).isInstanceOf(ImageIndex.class);
    }

    @Test
    void wrongJsonTypesAreRefusedNamingTheFieldNotAJavaType() {
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "[{\"digest\":\"" + B + "\",\"size\":\"4\"}]"), ""))
                .isInstanceOf(KilnException.class).hasMessage(W + ": layers[0].size: expected a number");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "{}"), ""))
                .hasMessage(W + ": layers: expected an array");
        assertThatThrownBy(() -> read(manifest(descriptor("", A, 1), "[null]"), ""))
                .hasMessageStartingWith(W + ": layers[0]: ");
        assertThatThrownBy(() -> read("{\"manifests\":[{\"digest\":5,\"size\":1}]}", MediaTypes.OCI_INDEX))
                .hasMessage(W + ": manifests[0].digest: expected a string");
        assertThatThrownBy(() -> read("[1,2]", MediaTypes.OCI_INDEX)).hasMessage(W + ": expected an object");
        assertThatThrownBy(() -> read("{\"manifests\":", "")).isInstanceOf(KilnException.class)
                .hasMessageStartingWith(W + ": not valid JSON: ").hasMessageNotContaining("java.");
    }

    @Test
    void aConfigBlobGivesPlatformRuntimeConfigAndDiffIds() {
        String json = "{\"architecture\":\"x86_64\",\"os\":\"linux\",\"history\":[{}],\"config\":{"
                + "\"Entrypoint\":[\"/bin/app\"],\"Cmd\":[\"--serve\"],\"Env\":[\"A=1\",\"PATH=/bin\"],"
                + "\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\",\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},"
                + "\"Labels\":{\"team\":\"x\"},\"Healthcheck\":{\"Test\":[\"NONE\"]}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + A + "\",\"" + B + "\"]}}";
        ConfigBlob blob = ConfigBlob.read(json.getBytes(StandardCharsets.UTF_8), W);
        assertThat(blob.platform()).isEqualTo(new Platform("linux", "amd64", ""));
        assertThat(blob.diffIds()).containsExactly(A, B);
        assertThat(blob.imageConfig()).isEqualTo(new ImageConfig(List.of("/bin/app"), List.of("--serve"),
                List.of("A=1", "PATH=/bin"), "/srv", "1000:1000", List.of("80/tcp", "53/udp"), Map.of("team", "x")));
    }

    @Test
    void anEmptyConfigBlobIsAnEmptyConfigWithoutPlatform() {
        ConfigBlob blob = ConfigBlob.read("{}".getBytes(StandardCharsets.UTF_8), W);
        assertThat(blob.platform()).isNull();
        assertThat(blob.diffIds()).isEmpty();
        assertThat(blob.imageConfig()).isEqualTo(ImageConfig.empty());
    }

    @Test
    void entrypointAndCmdMayBeOneStringAsDockerAcceptsThemAndNullsReadAsEmpty() {
        String json = "{\"config\":{\"Entrypoint\":\"/bin/sh\",\"Cmd\":null,\"Env\":[null,\"A=1\"],\"Labels\":{\"k\":null}}}";
        ImageConfig config = ConfigBlob.read(json.getBytes(StandardCharsets.UTF_8), W).imageConfig();
        assertThat(config.entrypoint()).containsExactly("/bin/sh");
        assertThat(config.cmd()).isEmpty();
        assertThat(config.env()).containsExactly("", "A=1");
        assertThat(config.labels()).containsEntry("k", "");
    }

    @Test
    void aConfigBlobWithWrongTypesIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ConfigBlob.read("{\"config\":{\"Env\":\"A=1\"}}".getBytes(StandardCharsets.UTF_8), W))
                .isInstanceOf(KilnException.class).hasMessage(W + ": config.Env: expected an array");
        assertThatThrownBy(() -> ConfigBlob.read("{\"config\":{\"User\":1000}}".getBytes(StandardCharsets.UTF_8), W))
                .hasMessage(W + ": config.User: expected a string");
    }

    @Test
    void aDescriptorWritesTheFieldsAnIndexEntryHasInTheSpecsOrder() throws Exception {
        Descriptor d = new Descriptor(MediaTypes.OCI_MANIFEST, A, 0, new Platform("linux", "arm64", "v8"),
                Map.of(Descriptor.REF_NAME, "v1"), null);
        assertThat(Json.MAPPER.writeValueAsString(d)).isEqualTo("{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                + "\",\"digest\":\"" + A + "\",\"size\":0,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
                + "\"variant\":\"v8\"},\"annotations\":{\"" + Descriptor.REF_NAME + "\":\"v1\"}}");
        assertThat(Json.MAPPER.writeValueAsString(new Descriptor(MediaTypes.OCI_CONFIG, A, 5)))
                .isEqualTo("{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + A + "\",\"size\":5}");
        // And reads back as itself.
        assertThat(Json.read(Json.MAPPER.writeValueAsBytes(d), Descriptor.class, W)).isEqualTo(d);
    }

    @Test
    void anEmptyIndexIsWhatANewLayoutStartsWith() throws Exception {
        assertThat(Json.MAPPER.writeValueAsString(ImageIndex.empty()))
                .isEqualTo("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}");
    }

    @Test
    void platformsParseAndCompareInNormalForm() {
        assertThat(Platform.parse("linux/x86_64")).isEqualTo(new Platform("linux", "amd64", ""));
        assertThat(Platform.parse("linux/arm64").accepts(new Platform("linux", "aarch64", "v8"))).isTrue();
        assertThat(Platform.parse("linux/arm64/v7").accepts(new Platform("linux", "arm64", "v8"))).isFalse();
        assertThatThrownBy(() -> Platform.parse("linux")).hasMessage("--platform linux: expected OS/ARCH[/VARIANT]");
    }
}
