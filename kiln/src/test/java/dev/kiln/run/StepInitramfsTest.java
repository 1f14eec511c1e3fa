package dev.kiln.run;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The step's initramfs as GNU cpio lists and extracts it. */
class StepInitramfsTest {
    @TempDir
    Path tmp;

    @Test
    void kilnInitAsInitTheConfigForRootOnlyAndAConsole() throws IOException {
        Tools.assumeTools("cpio");
        byte[] init = "\u007fELF-kiln-init".getBytes(StandardCharsets.ISO_8859_1);
        Path archive = Files.write(tmp.resolve("step.cpio"), StepInitramfs.build(init, "version=1\0".getBytes(StandardCharsets.UTF_8)));

        List<String> listing = Tools.check("sh", "-c", "cpio -itv --quiet --numeric-uid-gid < " + archive).lines()
                .map(l -> l.replaceAll("\\s+", " ")).toList();
        assertThat(listing).hasSize(7);
        assertThat(listing.get(0)).startsWith("drwxr-xr-x 2 0 0 0 ").endsWith(" .");
        assertThat(listing).anySatisfy(l -> assertThat(l).startsWith("crw------- 1 0 0 5, 1 ").endsWith(" dev/console"))
                .anySatisfy(l -> assertThat(l).startsWith("-rwxr-xr-x 1 0 0 " + init.length + " ").endsWith(" init"))
                .anySatisfy(l -> assertThat(l).startsWith("drwx------ 2 0 0 0 ").endsWith(" kiln"))
                .anySatisfy(l -> assertThat(l).startsWith("-rw------- 1 0 0 10 ").endsWith(" kiln/step.conf"))
                .anySatisfy(l -> assertThat(l).startsWith("drwxr-xr-x 2 0 0 0 ").endsWith(" newroot"));

        Path out = Files.createDirectory(tmp.resolve("x"));
        Tools.run(List.of("sh", "-c", "cpio -id --quiet --no-absolute-filenames init kiln/step.conf < " + archive), out, null, 30);
        assertThat(Files.readAllBytes(out.resolve("init"))).isEqualTo(init);
        assertThat(Files.readString(out.resolve("kiln/step.conf"))).isEqualTo("version=1\0");
    }
}
