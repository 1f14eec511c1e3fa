package dev.kiln.flatten;

import dev.kiln.source.oci.OciFixtures;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Layers written by umoci itself: {@code umoci repack} of a changed rootfs (whiteouts for deleted
 * trees, a directory turned into a file and back, the first name of a hard link deleted while the
 * second stays) and {@code umoci insert} (a layer tar without end-of-archive blocks).
 */
class UmociChangesTest {
    @TempDir
    static Path work;
    static Path layout;
    static List<String> expected;

    @BeforeAll
    static void build() throws Exception {
        OciFixtures.assumeOciTools();
        layout = work.resolve("layout");
        Tools.sh("""
                cd %s
                mkdir -p base/a/sub base/b base/d/e base/keep
                echo x > base/a/x; echo y > base/a/sub/y; echo b1 > base/b/one; echo b2 > base/b/two
                echo c > base/c; echo f > base/d/e/f
                echo linked > base/keep/h1; ln base/keep/h1 base/keep/h2; ln base/keep/h1 base/keep/h3
                tar --numeric-owner -C base -cf base.tar .
                """.formatted(work));
        OciFixtures.newImage(layout, "t");
        OciFixtures.addLayer(layout, "t", work.resolve("base.tar"));
        Tools.sh("""
                cd %1$s
                umoci unpack --image layout:t bundle
                cd bundle/rootfs
                rm -rf a b/one keep/h1
                rm -rf d; echo now-a-file > d
                rm c; mkdir c; echo inner > c/inner
                echo extra > keep/h4
                cd %1$s
                umoci repack --image layout:t2 bundle
                rm -rf bundle
                head -c 100000 /dev/urandom > payload
                umoci insert --image layout:t2 payload /opt/payload
                umoci insert --image layout:t2 payload /keep/h2-sibling
                """.formatted(work));
        expected = OciFixtures.reference(layout, "t2", work);
        assertThat(String.join("\n", expected)).doesNotContain("/a|").doesNotContain("/keep/h1|")
                .contains("/keep/h2|f|0644|0:0|size=7").contains("/opt/payload|f").contains("/d|f").contains("/c/inner");
    }

    @Test
    void flattensLikeUmociUnpack() throws Exception {
        assertThat(OciFixtures.flattened("oci:" + layout + ":t2")).containsExactlyElementsOf(expected);
    }

    @Test
    void ext4ImageMatchesUmociUnpack() throws Exception {
        assertThat(OciFixtures.built("oci:" + layout + ":t2", work, expected)).containsExactlyElementsOf(expected);
    }
}
