package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.output.OutputSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** -o, --format and --compress into outputs: -o's format from its name, --format's paths from -o's. */
class OutputOptionsTest {

    /** The outputs of these flags, each as "format path compression". */
    static String outputs(String output, String compress, String... formats) {
        OutputOptions options = new OutputOptions(new ArrayList<>(Arrays.asList(formats)), compress);
        return options.outputs(output == null ? null : Path.of(output)).stream()
                .map(OutputOptionsTest::describe).collect(Collectors.joining("; "));
    }

    static String describe(OutputSpec o) {
        return o.format() + " " + o.path() + (o.compression() == null ? "" : " " + o.compression());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "rootfs.ext4 | ext4 rootfs.ext4",
            "rootfs.img | ext4 rootfs.img",
            "rootfs.raw | ext4 rootfs.raw",
            "rootfs | ext4 rootfs",
            "rootfs.bin | ext4 rootfs.bin",
            "rootfs.qcow2 | qcow2 rootfs.qcow2",
            "rootfs.cpio | initramfs rootfs.cpio none",
            "rootfs.cpio.gz | initramfs rootfs.cpio.gz gzip",
            "rootfs.cpio.zst | initramfs rootfs.cpio.zst zstd",
            "rootfs.tar | tar rootfs.tar none",
            "rootfs.tar.gz | tar rootfs.tar.gz gzip",
            "rootfs.tar.zst | tar rootfs.tar.zst zstd",
    })
    void theOutputsNameSaysItsFormat(String output, String expected) {
        assertThat(outputs(output, null)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            // A --format without a path is -o's own when they agree...
            "rootfs.qcow2 | null | qcow2 | qcow2 rootfs.qcow2",
            "x.cpio.gz | null | initramfs | initramfs x.cpio.gz gzip",
            "rootfs.ext4 | null | ext4 | ext4 rootfs.ext4",
            // ... else beside it, named for its format.
            "rootfs.ext4 | null | qcow2 | ext4 rootfs.ext4; qcow2 rootfs.qcow2",
            "rootfs.img | null | tar | ext4 rootfs.img; tar rootfs.tar none",
            "rootfs | null | initramfs | ext4 rootfs; initramfs rootfs.cpio.gz gzip",
            "rootfs.qcow2 | null | ext4 | qcow2 rootfs.qcow2; ext4 rootfs.ext4",
            "rootfs.tar.gz | null | kernel+initrd | tar rootfs.tar.gz gzip; kernel+initrd rootfs-boot gzip",
            "rootfs.tar.zst | zstd | initramfs | tar rootfs.tar.zst zstd; initramfs rootfs.cpio.zst zstd",
            // A path of its own is kept.
            "rootfs.qcow2 | null | tar=other.tar.gz | qcow2 rootfs.qcow2; tar other.tar.gz gzip",
            "null | null | tar=a.tar | tar a.tar none",
            // -o - takes the one --format without a path.
            "- | null | tar | tar - none",
            "- | zstd | initramfs | initramfs - zstd",
            "- | null | tar;ext4=r.ext4 | tar - none; ext4 r.ext4",
            "- | null | ext4=r.ext4 | ext4 -; ext4 r.ext4",
    })
    void formatsBesideTheOutput(String output, String compress, String formats, String expected) {
        assertThat(outputs(output, compress, formats.split(";"))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "null | null | tar=x.qcow2 | x.qcow2: named as a qcow2 output (.qcow2), but the format asked for is tar; "
                    + "name it x.tar or ask for qcow2",
            "null | null | qcow2=disk.img | disk.img: named as an ext4 output (.img), but the format asked for is "
                    + "qcow2; name it disk.qcow2 or ask for ext4",
            "x.cpio.zst | gzip | null | x.cpio.zst: named as zstd-compressed (.cpio.zst), but the compression asked "
                    + "for is gzip; name it x.cpio.gz or ask for zstd",
            "x.tar | zstd | initramfs | x.tar: named as uncompressed (.tar), but the compression asked for is zstd; "
                    + "name it x.tar.zst or ask for none",
            "null | null | kernel+initrd=boot.tar | boot.tar: named as a tar output (.tar), but the format asked for "
                    + "is kernel+initrd; name it boot or ask for tar",
            "null | null | qcow2 | --format qcow2: give a path (qcow2=PATH) or -o FILE to derive it from",
            "- | null | tar;qcow2 | -o -: standard output can take one output, and tar, qcow2 have no path of their "
                    + "own; give the others a path (FORMAT=PATH)",
    })
    void contradictionsAreErrors(String output, String compress, String formats, String message) {
        String[] f = formats == null ? new String[0] : formats.split(";");
        assertThatThrownBy(() -> outputs(output, compress, f)).isInstanceOf(KilnException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource({"rootfs.ext4, rootfs.qcow2", "rootfs.cpio.gz, rootfs.qcow2", "rootfs.tar.zst, rootfs.qcow2",
            "a.b.raw, a.b.qcow2", "rootfs, rootfs.qcow2", "dir/rootfs.img, dir/rootfs.qcow2"})
    void derivedPathsDropTheKnownSuffix(String output, String derived) {
        assertThat(OutputOptions.derive(Path.of(output), ".qcow2")).isEqualTo(Path.of(derived));
    }
}
