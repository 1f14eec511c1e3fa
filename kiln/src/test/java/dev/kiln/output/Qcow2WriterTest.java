package dev.kiln.output;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;


import static org.assertj.core.api.Assertions.assertThat;

class Qcow2WriterTest {
    @TempDir
    Path tmp;

    /** qemu-img must find the file clean and identical to the raw image. */
    private void checkAgainstQemu(Path raw) throws Exception {
        Tools.assumeTools("qemu-img");
        Path qcow = tmp.resolve(raw.getFileName() + ".qcow2");
        Qcow2Writer.convert(raw, qcow);
        String check = Tools.check("qemu-img", "check", "--output=human", qcow.toString());
        assertThat(check).contains("No errors were found on the image.");
        assertThat(check).doesNotContain("leaked");
        String info = Tools.check("qemu-img", "info", "--output=json", qcow.toString());
        assertThat(info).contains("\"format\": \"qcow2\"").contains("\"compat\": \"1.1\"")
                .contains("\"virtual-size\": " + Files.size(raw));
        assertThat(Tools.check("qemu-img", "compare", "-f", "raw", "-F", "qcow2", raw.toString(), qcow.toString()))
                .contains("Images are identical");
    }

    @Test
    void ext4ImageFromMkfs() throws Exception {
        Tools.assumeTools("mkfs.ext4");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.write(src.resolve("text"), "hello qcow2\n".repeat(1000).getBytes());
        byte[] data = new byte[700_000];
        new java.util.Random(1).nextBytes(data);
        Files.write(src.resolve("data"), data);
        Path raw = tmp.resolve("fs.ext4");
        Tools.check("mkfs.ext4", "-q", "-F", "-d", src.toString(), raw.toString(), "64M");
        checkAgainstQemu(raw);
        // Only non-zero clusters are stored: far smaller than the 64 MiB virtual size.
        assertThat(Files.size(tmp.resolve("fs.ext4.qcow2"))).isLessThan(16L << 20);
    }

    @Test
    void sparseImageSpanningSeveralL2TablesWithPartialLastCluster() throws Exception {
        Path raw = tmp.resolve("sparse.raw");
        long size = (1536L << 20) + 4096 * 3;   // three L2 tables, last cluster partial
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(size);
            for (long off : new long[] {0, 65_535, 512L << 20, (1024L << 20) - 1, size - 1}) {
                f.seek(off);
                f.write(0x5a);
            }
        }
        checkAgainstQemu(raw);
    }

    @Test
    void allZeroImage() throws Exception {
        Path raw = tmp.resolve("zero.raw");
        try (FileChannel c = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(1), (8L << 20) - 1);
        }
        checkAgainstQemu(raw);
    }

    @Test
    void sameRawGivesSameBytes() throws Exception {
        Path raw = tmp.resolve("r.raw");
        byte[] b = new byte[300_000];
        new java.util.Random(3).nextBytes(b);
        Files.write(raw, b);
        Files.write(raw, new byte[4096 - 300_000 % 4096], StandardOpenOption.APPEND);
        Qcow2Writer.convert(raw, tmp.resolve("a"));
        Qcow2Writer.convert(raw, tmp.resolve("b"));
        assertThat(Files.readAllBytes(tmp.resolve("a"))).isEqualTo(Files.readAllBytes(tmp.resolve("b")));
    }
}
