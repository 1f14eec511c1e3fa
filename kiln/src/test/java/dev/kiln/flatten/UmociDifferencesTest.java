package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.source.oci.OciFixtures;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.kiln.flatten.Op.dir;
import static dev.kiln.flatten.Op.file;
import static dev.kiln.flatten.Op.link;
import static dev.kiln.flatten.Op.opaque;
import static dev.kiln.flatten.Op.symlink;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where Kiln deliberately flattens differently from {@code umoci unpack}: each test shows what
 * umoci does with the image and what Kiln does, so that the README's account stays true (and a
 * change in either is noticed).
 */
class UmociDifferencesTest {
    @TempDir
    Path work;

    @BeforeAll
    static void tools() {
        OciFixtures.assumeOciTools();
    }

    @Test
    void anUpperPathBelowALowerSymlinkMakesADirectoryNotAWriteThroughTheLink() throws Exception {
        List<List<Op>> stack = List.of(List.of(dir("real"), file("real/old", "o"), symlink("lnk", "real")),
                List.of(file("lnk/new", "n")));
        assertThat(String.join("\n", umoci(stack))).contains("/lnk|l|").contains("/real/new|f")
                .doesNotContain("/lnk/new");
        assertThat(String.join("\n", kiln(stack))).contains("/lnk|d|0755").contains("/lnk/new|f")
                .doesNotContain("/real/new");
    }

    @Test
    void aHardLinkToALowerLayersFileIsRefused() throws Exception {
        List<List<Op>> stack = List.of(List.of(file("t", "t")), List.of(link("l", "t")));
        assertThat(String.join("\n", umoci(stack))).contains("/l|f|0644|0:0|size=1").contains("link=/l");
        Layers.MemoryImage image = Layers.image(stack);
        assertThatThrownBy(() -> kiln(stack)).isInstanceOf(KilnException.class)
                .hasMessage(image.layers().get(1).digest()
                        + ": l: hard link to t, which is not a file earlier in the same layer");
    }

    @Test
    void anOpaqueMarkerMakesItsDirectory() throws Exception {
        List<List<Op>> stack = List.of(List.of(file("x", "x")), List.of(opaque("d")));
        assertThat(String.join("\n", umoci(stack))).doesNotContain("/d|");
        assertThat(String.join("\n", kiln(stack))).contains("/d|d|0755|0:0");
    }

    @Test
    void aHardLinkToItsOwnPathKeepsTheFile() throws Exception {
        List<List<Op>> stack = List.of(List.of(file("a", "a"), link("a", "a")));
        Path layout = layout(stack);
        Tools.Result r = Tools.run("umoci", "unpack", "--image", layout + ":t", work.resolve("bundle").toString());
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("a: link");
        assertThat(String.join("\n", kiln(stack))).contains("/a|f|0644|0:0|size=1");
    }

    private Path layout(List<List<Op>> stack) throws Exception {
        Path layout = work.resolve("layout");
        OciFixtures.newImage(layout, "t");
        for (int i = 0; i < stack.size(); i++) {
            Path tar = work.resolve("layer" + i + ".tar");
            Files.write(tar, Layers.tar(stack.get(i)));
            OciFixtures.addLayer(layout, "t", tar);
        }
        return layout;
    }

    private List<String> umoci(List<List<Op>> stack) throws Exception {
        return OciFixtures.reference(layout(stack), "t", work);
    }

    private static List<String> kiln(List<List<Op>> stack) throws Exception {
        return OciFixtures.listing(Flattener.flatten(Layers.image(stack)));
    }
}
