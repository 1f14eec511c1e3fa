package dev.kiln.flatten;

import dev.kiln.entry.Entry;
import dev.kiln.testing.ReplacementCases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared replacement table ({@link ReplacementCases}) against the flattening tests' own tree
 * model, which the reference model builds on, and against the Flattener on a one-layer image of
 * each case's entries: within one layer it must pass every later entry on so that it wins.
 */
class ReplacementTest {
    static List<ReplacementCases.Case> cases() {
        return ReplacementCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theTreeModel(ReplacementCases.Case c) throws Exception {
        TreeModel tree = new TreeModel();
        for (Entry e : c.entries().get()) {
            tree.put(e);
        }
        assertThat(ReplacementCases.lines(tree.expects(), true)).containsExactlyElementsOf(c.lines(true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theFlattenerOnOneLayer(ReplacementCases.Case c) throws Exception {
        Layers.MemoryImage image = new Layers.MemoryImage(List.of(new Layers.MemoryLayer(Layers.tarOf(c.entries().get()))));
        TreeModel tree = new TreeModel().putAll(Flattener.flatten(image));
        assertThat(ReplacementCases.lines(tree.expects(), true)).containsExactlyElementsOf(c.lines(true));
    }
}
