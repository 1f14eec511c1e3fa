package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.testing.ReplacementCases;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared replacement table ({@link ReplacementCases}) against the tree of the archive outputs. */
class SpooledTreeReplacementTest {
    @TempDir
    Path spool;

    static List<ReplacementCases.Case> cases() {
        return ReplacementCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void spooledTree(ReplacementCases.Case c) throws Exception {
        List<ReplacementCases.Expect> seen = new ArrayList<>();
        List<Object> inodes = new ArrayList<>();
        try (SpooledTree tree = new SpooledTree(spool, 0)) {
            for (Entry e : c.entries().get()) {
                tree.accept(e);
            }
            tree.walk((path, node) -> {
                String detail = null;
                switch (node.type) {
                    case FILE -> {
                        try (InputStream in = tree.open(node)) {
                            detail = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                        }
                    }
                    case SYMLINK -> detail = new String(node.linkTarget, StandardCharsets.UTF_8);
                    default -> { }
                }
                seen.add(new ReplacementCases.Expect(new String(path, StandardCharsets.UTF_8),
                        ReplacementCases.kind(node.type), node.mode, detail, null));
                inodes.add(node);
            });
        }
        assertThat(ReplacementCases.lines(ReplacementCases.withLinks(seen, inodes), true))
                .containsExactlyElementsOf(c.lines(true));
    }
}
