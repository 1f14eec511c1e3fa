package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The one rule for finding a kernel, and that the built tree and another image's stream agree on it. */
class KernelChoiceTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({
            "kernel, true",
            "boot/vmlinuz, true",
            "boot/vmlinuz-6.1.0-13-amd64, true",
            "boot/vmlinuz.old, true",
            "boot/vmlinux-6.1, false",
            "boot/vmlinuz.d/x, false",
            "kernel/x, false",
            "kernel.tar, false",
            "usr/boot/vmlinuz, false",
            "boot/initrd.img, false",
            "boot, false",
    })
    void candidates(String path, boolean candidate) {
        assertThat(KernelChoice.isCandidate(path.getBytes(StandardCharsets.UTF_8))).isEqualTo(candidate);
    }

    /** Each case: the files of an image (in stream order), and the kernel's content (none: no kernel). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "boot/vmlinuz-5.10=a boot/vmlinuz-6.1=b | b",
            "boot/vmlinuz-6.1=b boot/vmlinuz-5.10=a | b",
            "boot/vmlinuz-6.1=b kernel=k | k",
            "kernel=k boot/vmlinuz-9=z | k",
            "boot/vmlinuz=plain boot/vmlinuz-6.1=b | b",
            "boot/vmlinuz-6.9=a boot/vmlinuz-6.10=b | a",
            "boot/config-6.1=c usr/lib/modules/vmlinuz=m | none",
    })
    void theBuiltTreeAndAnotherImagesStreamChooseTheSameKernel(String files, String expected) throws Exception {
        List<Entry> entries = new ArrayList<>();
        entries.add(Entry.directory(new byte[0], 0755, 0, 0, 0));
        for (String f : files.split(" ")) {
            String[] kv = f.split("=");
            byte[] content = kv[1].getBytes(StandardCharsets.UTF_8);
            entries.add(Entry.file(kv[0].getBytes(StandardCharsets.UTF_8), 0644, 0, 0, 0, content.length,
                    new ByteArrayInputStream(content)));
        }
        // The stream: another image's kernel.
        Path copied = tmp.resolve("copied");
        byte[] fromStream = KernelChoice.copy(OutputSessionTest.stream(entries, new AtomicBoolean()), copied);
        // The tree: the built image's own kernel (the streams above are spent: build the entries again).
        byte[] fromTree;
        try (SpooledTree tree = new SpooledTree(tmp, 0)) {
            for (String f : files.split(" ")) {
                String[] kv = f.split("=");
                byte[] content = kv[1].getBytes(StandardCharsets.UTF_8);
                tree.accept(Entry.file(kv[0].getBytes(StandardCharsets.UTF_8), 0644, 0, 0, 0, content.length,
                        new ByteArrayInputStream(content)));
            }
            fromTree = KernelChoice.in(tree);
            if (fromTree != null) {
                try (var in = tree.open(tree.find(fromTree))) {
                    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(expected);
                }
            }
        }
        if (expected.equals("none")) {
            assertThat(fromStream).isNull();
            assertThat(fromTree).isNull();
        } else {
            assertThat(fromStream).isEqualTo(fromTree);
            assertThat(Files.readString(copied)).isEqualTo(expected);
        }
    }

    @Test
    void inTheBuiltTreeAHardLinkIsTheFileItNames() throws Exception {
        try (SpooledTree tree = new SpooledTree(tmp, 0)) {
            tree.accept(Entry.file("usr/lib/linux/image".getBytes(StandardCharsets.UTF_8), 0644, 0, 0, 0, 1,
                    new ByteArrayInputStream(new byte[] {'k'})));
            tree.accept(new Entry("boot/vmlinuz".getBytes(StandardCharsets.UTF_8), EntryType.HARDLINK, 0, 0, 0, 0, 0,
                    Map.of(), "usr/lib/linux/image".getBytes(StandardCharsets.UTF_8), 0, 0, 0, null));
            assertThat(KernelChoice.in(tree)).asString(StandardCharsets.UTF_8).isEqualTo("boot/vmlinuz");
        }
    }
}
