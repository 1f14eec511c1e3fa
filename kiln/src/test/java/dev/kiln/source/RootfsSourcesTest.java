package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
import dev.kiln.image.SourceOptions;
import dev.kiln.tar.Listing;
import dev.kiln.tar.TarReader;
import dev.kiln.tar.Trees;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** tar:FILE, tar:- and dir:PATH, end to end from real trees to entries. */
class RootfsSourcesTest {
    static final Listing.Options ALL = new Listing.Options(true, true);
    @TempDir
    static Path tmp;
    static Path tree;

    @BeforeAll
    static void trees() {
        assumeTrue(Tools.isRoot(), "needs root (mknod, chown, setcap)");
        tree = Trees.make(tmp, false);
        Trees.makeXattrs(tree); // xattrs, ACLs and capabilities inside the same tree, under xsrc/
    }

    private static Map<String, String> list(Image image) throws IOException {
        assertThat(image.layers()).hasSize(1);
        assertThat(image.hasWhiteouts()).isFalse();
        assertThat(image.config()).isEqualTo(ImageConfig.empty());
        Layer layer = image.layers().get(0);
        try (TarReader r = new TarReader(layer.open(), layer.digest())) {
            return Listing.read(r, ALL);
        } finally {
            image.close();
        }
    }

    @Test
    void dirKeepsEverythingTheTreeHolds() throws IOException {
        Map<String, String> got = list(Sources.open("dir:" + tree, SourceOptions.defaults()));
        assertThat(got).containsExactlyEntriesOf(Listing.scan(tree, ALL));
        assertThat(got.get("xsrc/ping")).contains("security.capability=0100000280000000000000000000000000000000");
        assertThat(got).containsKey("caf\\xe9");
    }

    @Test
    void tarOfTheSameTreeGivesTheSameEntries() throws IOException {
        Tools.bash(tmp, "tar -C src --xattrs --xattrs-include='*' --numeric-owner -cf - . | zstd -q > tree.tar.zst");
        Map<String, String> fromTar = list(Sources.open("tar:" + tmp.resolve("tree.tar.zst"), SourceOptions.defaults()));
        assertThat(fromTar).containsExactlyEntriesOf(list(Sources.open("dir:" + tree, SourceOptions.defaults())));
    }

    @Test
    void dirHandlesPathsOver4KiB() throws IOException {
        Path parent = Files.createDirectories(tmp.resolve("deepparent"));
        try {
            Path deep = Trees.makeDeep(parent);
            Map<String, String> got = list(Sources.open("dir:" + deep, SourceOptions.defaults()));
            assertThat(got.keySet()).anyMatch(p -> p.length() > 4096 && p.endsWith("/deepfile"));
        } finally {
            Trees.removeDeep(parent);
        }
    }

    @Test
    void tarFailureIsReportedWithItsMessage() {
        Image image = DirSource.open(tree.toString(), dir -> List.of("sh", "-c",
                "printf 'tar: ./x: Cannot open: Permission denied\\ntar: Exiting with failure status\\n' >&2; exit 2"));
        assertThatThrownBy(() -> list(image)).isInstanceOf(KilnException.class)
                .hasMessage("dir:" + tree + ": tar failed (exit 2): tar: ./x: Cannot open: Permission denied;"
                        + "tar: Exiting with failure status");
    }

    @Test
    void missingInputsAreClearErrors() {
        assertThatThrownBy(() -> Sources.open("dir:" + tmp.resolve("nope"), SourceOptions.defaults()))
                .hasMessage("dir:" + tmp.resolve("nope") + ": no such directory");
        assertThatThrownBy(() -> Sources.open("dir:" + tree.resolve("setuid"), SourceOptions.defaults()))
                .hasMessage("dir:" + tree.resolve("setuid") + ": not a directory");
        assertThatThrownBy(() -> Sources.open("tar:" + tmp.resolve("nope.tar"), SourceOptions.defaults()))
                .hasMessage("tar:" + tmp.resolve("nope.tar") + ": no such file");
        assertThatThrownBy(() -> Sources.open("tar:" + tree, SourceOptions.defaults()))
                .hasMessage("tar:" + tree + ": is a directory (use dir:" + tree + ")");
    }

    @Test
    void stdinCanBeReadOnce() throws IOException {
        byte[] tar = Tools.bash(tmp, "tar -C src --numeric-owner -cf - ./dir | gzip -c");
        Image image = TarSource.stdin(() -> new ByteArrayInputStream(tar));
        assertThat(image.layers().get(0).digest()).isEqualTo("tar:-");
        Map<String, String> got = list(image);
        assertThat(got).containsKeys("dir", "dir/file", "dir/hardlink");
        assertThatThrownBy(() -> image.layers().get(0).open())
                .hasMessage("tar:-: standard input can be read only once");
    }
}
