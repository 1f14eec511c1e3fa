package dev.kiln.output;

import dev.kiln.KilnException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a file name says about an output, and the names that contradict what was asked for. */
class OutputNamesTest {

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
            "rootfs.ext4, ext4, -, rootfs",
            "rootfs.img, ext4, -, rootfs",
            "rootfs.raw, ext4, -, rootfs",
            "rootfs.qcow2, qcow2, -, rootfs",
            "ROOTFS.QCOW2, qcow2, -, ROOTFS",
            "rootfs.cpio, initramfs, none, rootfs",
            "rootfs.cpio.gz, initramfs, gzip, rootfs",
            "rootfs.cpio.zst, initramfs, zstd, rootfs",
            "rootfs.tar, tar, none, rootfs",
            "rootfs.tar.gz, tar, gzip, rootfs",
            "rootfs.tgz, tar, gzip, rootfs",
            "rootfs.tar.zst, tar, zstd, rootfs",
            "rootfs.tzst, tar, zstd, rootfs",
            "v1.2.tar, tar, none, v1.2",
    })
    void knownSuffixes(String name, String format, String compression, String stem) {
        OutputNames.Named named = OutputNames.of(Path.of("out", name)).orElseThrow();
        assertThat(named.format()).hasToString(format);
        assertThat(named.compression() == null ? null : named.compression().toString()).isEqualTo(compression);
        assertThat(OutputNames.stem(Path.of("out", name))).isEqualTo(stem);
    }

    @ParameterizedTest
    @CsvSource({"rootfs", "rootfs.bin", "disk.gz", "rootfs.qcow", ".tar", "x.tar.bz2", "-"})
    void namesThatSayNothing(String name) {
        assertThat(OutputNames.of(Path.of(name))).isEmpty();
        assertThat(OutputNames.stem(Path.of(name))).isEqualTo(name);
    }

    /** Without a compression, the name picks it; with none in the name, the format's default. */
    @ParameterizedTest
    @CsvSource({
            "initramfs, x.cpio, none",
            "initramfs, x.cpio.gz, gzip",
            "initramfs, x.cpio.zst, zstd",
            "initramfs, initrd.img.zst, zstd",
            "initramfs, initrd, gzip",
            "initramfs, -, gzip",
            "tar, x.tar, none",
            "tar, x.tar.zst, zstd",
            "tar, x.gz, gzip",
            "tar, -, none",
            "kernel+initrd, boot.gz, gzip",
    })
    void compressionFromTheName(String format, String path, String compression) {
        OutputSpec spec = new OutputSpec(OutputFormat.parse("test", format), Path.of(path), null);
        assertThat(spec.compression()).hasToString(compression);
    }

    /** Each contradiction of a name and what was asked for, and the message that says so. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "tar | x.qcow2 | - | x.qcow2: named as a qcow2 output (.qcow2), but the format asked for is tar; name it x.tar or ask for qcow2",
            "ext4 | x.tar.gz | - | x.tar.gz: named as a tar output (.tar.gz), but the format asked for is ext4; name it x.ext4 or ask for tar",
            "qcow2 | x.img | - | x.img: named as an ext4 output (.img), but the format asked for is qcow2; name it x.qcow2 or ask for ext4",
            "initramfs | x.tar | - | x.tar: named as a tar output (.tar), but the format asked for is initramfs; name it x.cpio.gz or ask for tar",
            "tar | x.cpio.zst | zstd | x.cpio.zst: named as an initramfs output (.cpio.zst), but the format asked for is tar; name it x.tar.zst or ask for initramfs",
            "kernel+initrd | boot.tar | - | boot.tar: named as a tar output (.tar), but the format asked for is kernel+initrd; name it boot or ask for tar",
            "initramfs | x.cpio.zst | gzip | x.cpio.zst: named as zstd-compressed (.cpio.zst), but the compression asked for is gzip; name it x.cpio.gz or ask for zstd",
            "initramfs | x.cpio | zstd | x.cpio: named as uncompressed (.cpio), but the compression asked for is zstd; name it x.cpio.zst or ask for none",
            "tar | x.tar | gzip | x.tar: named as uncompressed (.tar), but the compression asked for is gzip; name it x.tar.gz or ask for none",
            "tar | x.tgz | none | x.tgz: named as gzip-compressed (.tgz), but the compression asked for is none; name it x.tar or ask for gzip",
    })
    void contradictionsAreRefused(String format, String path, String compression, String message) {
        assertThatThrownBy(() -> new OutputSpec(OutputFormat.parse("test", format), Path.of(path),
                compression == null ? null : Compression.parse(compression)))
                .isInstanceOf(KilnException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "ext4 | rootfs.raw | null", "qcow2 | disk | null", "tar | rootfs.tar.out | gzip", "initramfs | - | zstd",
            "tar | x.tar.gz | gzip", "kernel+initrd | boot | zstd",
    })
    void namesThatAgreeOrSayNothingAreFine(String format, String path, String compression) {
        OutputSpec spec = new OutputSpec(OutputFormat.parse("test", format), Path.of(path),
                compression == null ? null : Compression.parse(compression));
        assertThat(spec.path()).hasToString(path);
    }
}
