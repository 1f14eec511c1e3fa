package example;

import dev.kiln.ext4.Attributes;
import dev.kiln.ext4.Ext4Entry;
import dev.kiln.ext4.Ext4Exception;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.ext4.Ext4Reader;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.ext4.SpecialType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ext4 module used alone, as a program that only wants an ext4 image would use it: only its
 * public API (this package is outside dev.kiln.ext4, so nothing else is reachable), and the
 * image judged by e2fsck and debugfs, not by this module.
 */
class Ext4WriterExampleTest {
    @TempDir
    Path dir;

    @Test
    void writesAnImageE2fsckAcceptsAndDebugfsReads() throws IOException, InterruptedException {
        Path image = dir.resolve("example.ext4");
        byte[] motd = "written by Ext4Writer\n".getBytes(StandardCharsets.UTF_8);
        Ext4Summary summary;
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
             Ext4Writer writer = new Ext4Writer(channel, Ext4Options.defaults().withSizeBytes(32L << 20)
                     .withLabel("example").withCreationTime(1_700_000_000L))) {
            writer.directory(bytes("etc"), attributes(0755, 0));
            writer.file(bytes("etc/motd"), attributes(0644, 0), motd.length, new ByteArrayInputStream(motd));
            writer.file(bytes("home/user/notes"), attributes(0600, 1000), 0, new ByteArrayInputStream(new byte[0]));
            writer.symlink(bytes("motd"), attributes(0777, 0), bytes("etc/motd"));
            writer.hardLink(bytes("etc/motd.link"), bytes("etc/motd"));
            writer.special(bytes("dev/null"), attributes(0666, 0), SpecialType.CHARACTER_DEVICE, 1, 3);
            summary = writer.finish();
        }
        assertThat(summary.sizeBytes()).isEqualTo(Files.size(image)).isEqualTo(32L << 20);

        Assumptions.assumeTrue(onPath("e2fsck") && onPath("debugfs"), "e2fsprogs is not installed");
        // exit status 0: e2fsck found nothing to fix (run() checks it)
        assertThat(run("e2fsck", "-fn", image.toString())).contains("Pass 5").doesNotContain("Fix?");
        assertThat(run("debugfs", "-R", "cat /etc/motd", image.toString())).isEqualTo("written by Ext4Writer\n");
        assertThat(run("debugfs", "-R", "stat /home/user/notes", image.toString())).contains("User:  1000");
        assertThat(run("debugfs", "-R", "stat /etc/motd", image.toString())).contains("Links: 2");

        // and the module's reader gives the same tree back
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ);
             Ext4Reader reader = Ext4Reader.open(channel, image.toString())) {
            Ext4Entry read = reader.lookup(bytes("etc/motd")).orElseThrow();
            assertThat(read.type()).isEqualTo(Ext4Entry.Type.FILE);
            assertThat(read.content().open().readAllBytes()).isEqualTo(motd);
        }
    }

    @Test
    void aValueExt4CannotHoldIsAnErrorNamingThePath() throws IOException {
        try (FileChannel channel = FileChannel.open(dir.resolve("bad.ext4"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             Ext4Writer writer = new Ext4Writer(channel, Ext4Options.defaults())) {
            assertThatThrownBy(() -> writer.symlink(bytes("link"), attributes(0777, 0), new byte[0]))
                    .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("link: symlink target of 0 bytes");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Attributes attributes(int permissions, long owner) {
        return new Attributes(permissions, owner, owner, 1_700_000_000L, 0, Map.of());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
