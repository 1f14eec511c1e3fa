package dev.kiln.flatten;

import dev.kiln.source.oci.OciFixtures;
import dev.kiln.testing.Tools;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sample of random layer stacks, flattened by Kiln and unpacked by {@code umoci unpack} from
 * an OCI layout of the same layer tars, must list the same (paths, kinds, modes, owners,
 * contents, link targets, hard link groups; mtimes left out). Stacks are skipped where Kiln
 * documents that it differs: a parent over a lower non-directory (Kiln keeps the runtime view,
 * a directory; umoci writes through a lower symlink), a directory that only an opaque marker
 * makes (umoci ignores the marker), a whiteout below a symlink (umoci follows it; Kiln never
 * follows the image's symlinks), a hard link to its own path (umoci fails), a whiteout of a
 * path its own layer gives entries below, or an opaque marker over a lower directory its own
 * layer needs as a parent without listing it (umoci keeps the lower directory's metadata), an entry
 * below a lower file that a whiteout later in the tar removes (umoci applies whiteouts in tar
 * order; the spec, and Kiln, apply them to the lower layers wherever they sit), and the one shape
 * Kiln refuses.
 */
@Tag("slow")
class FlattenUmociPropertyTest {
    @BeforeContainer
    static void tools() {
        OciFixtures.assumeOciTools();
    }

    @Provide
    Arbitrary<List<List<Op>>> stacks() {
        return Stacks.stacks(4, 12);
    }

    @Property(tries = 400)
    void flattensLikeUmociUnpack(@ForAll("stacks") List<List<Op>> stack) throws Exception {
        Assume.that(!OciModel.differsFromUmoci(stack) && !Stacks.fillsThenReplacesADirectory(stack));
        Path work = Files.createTempDirectory("kiln-umoci-property");
        try {
            Path layout = work.resolve("layout");
            OciFixtures.newImage(layout, "t");
            for (int i = 0; i < stack.size(); i++) {
                Path tar = work.resolve("layer" + i + ".tar");
                Files.write(tar, Layers.tar(stack.get(i)));
                OciFixtures.addLayer(layout, "t", tar);
            }
            List<String> umoci = OciFixtures.reference(layout, "t", work);
            List<String> kiln = OciFixtures.listing(Flattener.flatten(Layers.image(stack)));
            Statistics.label("layers").collect(stack.size());
            assertThat(kiln).containsExactlyElementsOf(umoci);
        } finally {
            Tools.check("rm", "-rf", work.toString());
        }
    }
}
