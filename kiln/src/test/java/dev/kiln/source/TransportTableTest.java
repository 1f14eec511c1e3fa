package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.cli.Main;
import dev.kiln.image.SourceOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one table of source prefixes, and everything that reads it: opening, spec files, pull, help. */
class TransportTableTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "tar:rootfs.tar, TAR, rootfs.tar",
            "tar:-, TAR, -",
            "dir:/srv/tree, DIR, /srv/tree",
            "ext4:disk.img, EXT4, disk.img",
            "oci:images/app:1.0, OCI, images/app:1.0",
            "oci-archive:app.tar, OCI_ARCHIVE, app.tar",
            "docker-archive:app.tar:app:1, DOCKER_ARCHIVE, app.tar:app:1",
            "alpine:3.20, REGISTRY, alpine:3.20",
            "docker://host:5000/app@sha256:ab, REGISTRY, docker://host:5000/app@sha256:ab",
            "localhost:5000/ns/app, REGISTRY, localhost:5000/ns/app",
            // A registry image that happens to be called "oci" is still the layout prefix: prefixes win.
            "oci:latest, OCI, latest"})
    void everyPrefixResolvesToItsKindAndTheRest(String reference, Transport kind, String spec) {
        assertThat(Transport.of(reference)).isEqualTo(kind);
        assertThat(kind.spec(reference)).isEqualTo(spec);
    }

    @Test
    void prefixesAreDistinctAndOnlyTheRegistryHasNone() {
        assertThat(Arrays.stream(Transport.values()).map(Transport::prefix).distinct()).hasSize(Transport.values().length);
        for (Transport t : Transport.values()) {
            assertThat(t.prefix().isEmpty()).as(t.name()).isEqualTo(t == Transport.REGISTRY);
            assertThat(t.isLocalPath()).as(t.name()).isEqualTo(t != Transport.REGISTRY);
            // Each kind's own syntax names it.
            assertThat(Transport.of(t.syntax())).as(t.syntax()).isEqualTo(t);
        }
    }

    @Test
    void everyKindOpensThroughTheTableAndFailsNamingItsReference() {
        // Nothing exists under dir: each kind's own opener reports the missing input, which proves
        // the dispatcher reached it (the registry one fails on the reference's syntax, offline).
        for (Transport t : Transport.values()) {
            String reference = t == Transport.REGISTRY ? "Not/A/Registry/Ref" : t.prefix() + dir.resolve("absent");
            assertThatThrownBy(() -> Sources.open(reference, SourceOptions.defaults()))
                    .as(t.name()).isInstanceOf(KilnException.class).hasMessageStartingWith(reference + ": ");
        }
    }

    @ParameterizedTest
    @CsvSource({
            "tar:rootfs.tar, tar:/spec/dir/rootfs.tar",
            "tar:../up/rootfs.tar, tar:/spec/up/rootfs.tar",
            "tar:-, tar:-",
            "tar:, tar:",
            "dir:tree, dir:/spec/dir/tree",
            "ext4:./disk.img, ext4:/spec/dir/disk.img",
            "oci:images/app:1.0, oci:/spec/dir/images/app:1.0",
            "oci-archive:app.tar:v1, oci-archive:/spec/dir/app.tar:v1",
            "docker-archive:/abs/app.tar, docker-archive:/abs/app.tar",
            "docker-archive:app.tar, docker-archive:/spec/dir/app.tar",
            "alpine:3.20, alpine:3.20",
            "docker://host:5000/app, docker://host:5000/app",
            "ns/app, ns/app"})
    void specFilesResolveLocalPathsAgainstTheirDirectory(String reference, String resolved) {
        assertThat(Sources.resolveAgainst(reference, Path.of("/spec/dir"))).isEqualTo(resolved);
    }

    @Test
    void nothingToResolveStaysNothing() {
        assertThat(Sources.resolveAgainst(null, Path.of("/spec/dir"))).isNull();
    }

    @ParameterizedTest
    @CsvSource({
            "oci:out, out, ",
            "oci:out:v1, out, v1",
            "oci:/abs/out:v1, /abs/out, v1",
            // A colon in a directory name is the path's, not a name's.
            "oci:a:b/out, a:b/out, "})
    void pullTargetsSplitPathAndName(String to, String path, String name) {
        Sources.PullTarget target = Sources.pullTarget(to);
        assertThat(target.transport()).isEqualTo(Transport.OCI);
        assertThat(target.path()).isEqualTo(path);
        assertThat(target.name()).isEqualTo(name);
        assertThat(target.describe("v1")).isEqualTo("oci:" + path + ":v1");
    }

    @Test
    void onlyTheTablesPullTargetsAreAccepted() {
        assertThat(Arrays.stream(Transport.values()).filter(Transport::isPullTarget)).containsExactly(Transport.OCI);
        for (String to : new String[] {"oci:", "tar:out.tar", "dir:out", "oci-archive:out.tar", "out", "docker://h/a"}) {
            assertThatThrownBy(() -> Sources.pullTarget(to)).isInstanceOf(KilnException.class)
                    .hasMessage("--to " + to + ": expected oci:DIR[:TAG]");
        }
    }

    @Test
    void pullReadsOnlyFromARegistry() {
        Sources.PullTarget target = Sources.pullTarget("oci:" + dir.resolve("out"));
        assertThatThrownBy(() -> Sources.pull("oci:" + dir, target, SourceOptions.defaults()))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith("oci:" + dir + ": kiln pull copies from a registry; oci: names a local source");
        assertThat(Files.exists(dir.resolve("out"))).isFalse();
    }

    @Test
    void aLocalPathWithoutPrefixGetsAHintListingEveryLocalPrefix() {
        assertThatThrownBy(() -> Sources.registryReference("./rootfs.tar"))
                .hasMessage("./rootfs.tar: not a registry reference; name local sources with a prefix:"
                        + " tar:, dir:, ext4:, oci:, oci-archive: or docker-archive:");
        assertThatThrownBy(() -> Sources.registryReference("Alpine")).hasMessage("Alpine: repository name must be lowercase");
        assertThat(Sources.registryReference("docker://alpine").toString()).isEqualTo("docker.io/library/alpine:latest");
    }

    @Test
    void buildHelpListsEveryKindFromTheTable() {
        String help = help("build");
        for (Transport t : Transport.values()) {
            assertThat(help).contains(t.syntax() + " ").contains(t.description());
        }
        assertThat(help).contains("SOURCE_DATE_EPOCH");
        assertThat(help("pull")).contains("--to=" + Transport.pullTargets());
    }

    private static String help(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(Main.run(command, "--help")).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
