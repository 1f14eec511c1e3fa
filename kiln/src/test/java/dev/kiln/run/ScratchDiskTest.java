package dev.kiln.run;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

/** The superblock check against images made by mkfs.ext4, and the states e2fsck would complain about. */
class ScratchDiskTest {
    @TempDir
    Path tmp;

    @Test
    void aFreshImageIsCleanAndEachFlagIsNot() throws IOException {
        Tools.assumeTools("mkfs.ext4", "e2fsck");
        Path img = tmp.resolve("a.ext4");
        Tools.check("mkfs.ext4", "-q", "-F", img.toString(), "8M");
        assertThat(ScratchDisk.uncleanReason(img)).isEmpty();

        setShort(img, 0x3A, 1 | 2);
        assertThat(ScratchDisk.uncleanReason(img)).contains("the kernel recorded filesystem errors");
        setShort(img, 0x3A, 0);
        assertThat(ScratchDisk.uncleanReason(img)).contains("not unmounted cleanly");
        setShort(img, 0x3A, 1);
        ByteBuffer incompat = read(img, 0x60, 4);
        setInt(img, 0x60, incompat.getInt(0) | 4);
        assertThat(ScratchDisk.uncleanReason(img)).contains("the journal needs recovery (not unmounted cleanly)");
        assertThat(Tools.run("e2fsck", "-fn", img.toString()).exitCode()).as("e2fsck agrees").isNotZero();

        Path notExt4 = Files.write(tmp.resolve("zero"), new byte[4096]);
        assertThat(ScratchDisk.uncleanReason(notExt4)).contains("no ext4 superblock");
        assertThat(ScratchDisk.uncleanReason(Files.write(tmp.resolve("short"), new byte[100]))).contains("no ext4 superblock");
    }

    private static ByteBuffer read(Path img, int offset, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ)) {
            ch.read(b, 1024 + offset);
        }
        return b;
    }

    private static void setShort(Path img, int offset, int value) throws IOException {
        write(img, offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value));
    }

    private static void setInt(Path img, int offset, int value) throws IOException {
        write(img, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    private static void write(Path img, int offset, ByteBuffer b) throws IOException {
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.write(b, 1024 + offset);
        }
    }
}
