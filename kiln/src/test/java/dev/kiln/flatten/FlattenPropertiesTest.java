package dev.kiln.flatten;

import dev.kiln.KilnException;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.statistics.Statistics;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random layer stacks, flattened by Kiln and then applied with the writers' replacement rules,
 * must give exactly the tree of the reference model of the OCI rules ({@link OciModel}): same
 * paths, kinds, modes, owners, mtimes, contents, link targets and hard link groups. The one
 * allowed difference is a refusal, for the one shape Kiln documents it cannot merge in one pass.
 */
class FlattenPropertiesTest {
    @Provide
    Arbitrary<List<List<Op>>> stacks() {
        return Stacks.stacks(4, 12);
    }

    @Provide
    Arbitrary<List<List<Op>>> bigStacks() {
        return Stacks.stacks(6, 30);
    }

    @Property(tries = 1000)
    void flatteningMatchesTheReferenceModel(@ForAll("stacks") List<List<Op>> stack) throws Exception {
        check(stack);
    }

    @Property(tries = 10000)
    @Tag("slow")
    void flatteningMatchesTheReferenceModelOnBiggerStacks(@ForAll("bigStacks") List<List<Op>> stack) throws Exception {
        check(stack);
    }

    static void check(List<List<Op>> stack) throws Exception {
        List<String> expected = OciModel.apply(stack).listing();
        List<String> actual;
        Layers.MemoryImage image = Layers.image(stack);
        try {
            actual = new TreeModel().putAll(Flattener.flatten(image)).listing();
        } catch (KilnException e) {
            assertThat(e.getMessage()).contains("Kiln cannot merge this in one pass");
            assertThat(Stacks.fillsThenReplacesADirectory(stack)).as("refused a stack without the refused shape").isTrue();
            Statistics.label("outcome").collect("refused");
            return;
        }
        Statistics.label("outcome").collect("compared");
        Statistics.label("layers").collect(stack.size());
        Statistics.label("a layer read again for hidden first names of hard links")
                .collect(image.memoryLayers().stream().anyMatch(l -> l.opens.get() > 1));
        assertThat(actual).containsExactlyElementsOf(expected);
    }
}
