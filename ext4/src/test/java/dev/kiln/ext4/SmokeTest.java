package dev.kiln.ext4;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {
    @TempDir
    Path tmp;

    @Test
    void smallTreeIsCleanAndReadable() throws Exception {
        assumeTools();
        Path img = tmp.resolve("a.img");
        build(img, options(), items(
                dir("etc", attrs(0755)),
                file("etc/hostname", attrs(0644), b("kiln\n")),
                file("usr/bin/tool", attrs(0755), new byte[10000]),
                symlink("bin", "usr/bin"),
                symlink("long", "x".repeat(100))));
        assertClean(img);
        assertThat(new String(cat(img, "etc/hostname"))).isEqualTo("kiln\n");
        assertThat(cat(img, "usr/bin/tool")).hasSize(10000).containsOnly(0);
        assertThat(debugfs(img, "stat /bin")).contains("Fast link dest: \"usr/bin\"");
        assertThat(debugfs(img, "stat /long")).contains("Size: 100");
        withMount(img, root -> {
            assertThat(java.nio.file.Files.readString(root.resolve("etc/hostname"))).isEqualTo("kiln\n");
            assertThat(java.nio.file.Files.readSymbolicLink(root.resolve("long")).toString()).isEqualTo("x".repeat(100));
        });
    }
}
