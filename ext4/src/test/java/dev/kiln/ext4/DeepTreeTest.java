package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Nothing in the writer recurses over the tree: depth is bounded by memory, not by the stack. */
class DeepTreeTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        assumeTools();
    }

    @Test
    void sixThousandLevelsAreWrittenAndTwoHundredThousandAreDropped() throws Exception {
        String deep = "d/".repeat(5999) + "leaf";
        String dropped = "g/".repeat(200_000) + "x";
        Path img = tmp.resolve("img");
        build(img, options(), items(
                file(deep, attrs(0644), b("at the bottom\n")),
                file(dropped, attrs(0644), b("gone")),
                file("g", attrs(0644), b("replaces a directory 200,000 levels deep"))));
        assertClean(img);
        assertThat(debugfs(img, "stat /" + deep)).contains("Type: regular").contains("Size: 14");
        assertThat(new String(cat(img, deep))).isEqualTo("at the bottom\n");
        assertThat(debugfs(img, "stat /g")).contains("Type: regular");
    }
}
