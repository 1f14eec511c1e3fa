package dev.kiln.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Kernel architectures from synthetic headers, and from the shared test kernels when present. */
class KernelFileTest {
    @TempDir
    Path tmp;

    @Test
    void x86BootProtocolHeader() throws IOException {
        byte[] h = new byte[0x400];
        h[0] = 'M';
        h[1] = 'Z';
        put(h, 0x202, "HdrS");
        assertThat(kind(h)).isEqualTo(new KernelFile.Kind(Arch.X86_64, "x86 bzImage"));
    }

    @Test
    void elfByMachine() throws IOException {
        assertThat(kind(elf(0x3E)).arch()).isEqualTo(Arch.X86_64);
        assertThat(kind(elf(0xB7)).arch()).isEqualTo(Arch.AARCH64);
        assertThat(KernelFile.identify(elf(0x28))).as("32-bit arm").isEmpty();
    }

    @Test
    void arm64ImageAlsoGzipped() throws IOException {
        byte[] h = new byte[0x400];
        put(h, 0x38, "ARM\u0064");
        assertThat(kind(h)).isEqualTo(new KernelFile.Kind(Arch.AARCH64, "arm64 Image"));
        Path gz = tmp.resolve("Image.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(h);
        }
        assertThat(KernelFile.identify(gz)).contains(new KernelFile.Kind(Arch.AARCH64, "gzip-compressed arm64 Image"));
    }

    @Test
    void shortOrUnknownFilesAreUnknown() throws IOException {
        assertThat(KernelFile.identify(new byte[0])).isEmpty();
        assertThat(KernelFile.identify(new byte[] {0x7F, 'E', 'L', 'F'})).isEmpty();
        Path notGzip = Files.write(tmp.resolve("x"), new byte[] {0x1F, (byte) 0x8B, 1, 2, 3});
        assertThat(KernelFile.identify(notGzip)).isEmpty();
    }

    @Test
    void theSharedTestKernels() throws IOException {
        Path shared = Path.of("../../shared");
        if (!Files.isDirectory(shared)) {
            shared = Path.of("../shared");
        }
        Path bz = shared.resolve("kernel/bzImage");
        Path image = shared.resolve("kernel-arm64/Image");
        assumeTrue(Files.isRegularFile(bz) && Files.isRegularFile(image), "the shared test kernels are not here");
        assertThat(KernelFile.identify(bz).orElseThrow().arch()).isEqualTo(Arch.X86_64);
        assertThat(KernelFile.identify(image).orElseThrow().arch()).isEqualTo(Arch.AARCH64);
        for (String other : new String[] {"kernel/vmlinux", "kernel-arm64/Image.gz"}) {
            if (Files.isRegularFile(shared.resolve(other))) {
                assertThat(KernelFile.identify(shared.resolve(other))).as(other).isPresent();
            }
        }
    }

    private KernelFile.Kind kind(byte[] header) throws IOException {
        return KernelFile.identify(Files.write(tmp.resolve("k"), header)).orElseThrow();
    }

    private static byte[] elf(int machine) {
        byte[] h = new byte[64];
        put(h, 0, "\u007fELF");
        h[4] = 2;
        h[5] = 1;
        h[18] = (byte) machine;
        return h;
    }

    private static void put(byte[] h, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            h[at + i] = (byte) s.charAt(i);
        }
    }
}
