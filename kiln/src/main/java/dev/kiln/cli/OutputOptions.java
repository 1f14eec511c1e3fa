package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which outputs a build writes (besides or instead of -o's ext4 image), and how. */
public final class OutputOptions {
    @Option(names = "--format", paramLabel = "FORMAT[=PATH]",
            description = "Also write FORMAT (repeatable): ext4, qcow2, initramfs, kernel+initrd, tar. "
                    + "Without PATH, the path is -o's with the format's suffix (rootfs.qcow2, rootfs.cpio.gz, "
                    + "rootfs-boot/, rootfs.tar). Without -o, only the --format outputs are written. "
                    + "PATH - is standard output, for tar and initramfs.")
    List<String> formats = new ArrayList<>();

    @Option(names = "--compress", paramLabel = "gzip|zstd|none",
            description = "Compression of initramfs, kernel+initrd's initrd.img and tar outputs. "
                    + "Default: gzip for initramfs, for tar from its name (.tar.gz, .tar.zst), else none.")
    String compress;

    @Option(names = "--strict", description = "Fail when an output cannot keep something (xattrs in an initramfs).")
    boolean strict;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel for kernel+initrd. Default: the image's /kernel or /boot/vmlinuz*.")
    Path kernel;

    @Option(names = "--kernel-image", paramLabel = "REF",
            description = "Take kernel+initrd's kernel from this image's /kernel or /boot/vmlinuz* (LinuxKit style).")
    String kernelImage;

    @Option(names = "--cmdline", paramLabel = "ARGS",
            description = "Appended to kernel+initrd's cmdline (" + OutputPlan.KernelSpec.DEFAULT_CMDLINE + ").")
    String cmdline;

    /** The outputs asked for by {@code -o} (ext4, may be null) and {@code --format}. */
    List<OutputSpec> outputs(Path ext4Output) {
        Compression compression = compress == null ? null : Compression.parse(compress);
        List<OutputSpec> outputs = new ArrayList<>();
        if (ext4Output != null) {
            outputs.add(new OutputSpec(OutputFormat.EXT4, ext4Output, null));
        }
        for (String value : formats) {
            int eq = value.indexOf('=');
            OutputFormat format = OutputFormat.parse("--format", eq < 0 ? value : value.substring(0, eq));
            Path path;
            if (eq >= 0 && eq < value.length() - 1) {
                path = Path.of(value.substring(eq + 1));
            } else if (format == OutputFormat.EXT4 && ext4Output != null) {
                continue;   // --format ext4 with -o: that is -o's output
            } else if (ext4Output == null) {
                throw new KilnException("--format " + value + ": give a path (" + format + "=PATH) or -o FILE to "
                        + "derive it from");
            } else {
                Compression c = format.fromExt4() ? null
                        : compression != null ? compression : format.defaultCompression(null);
                path = derive(ext4Output, format.suffix(c == null ? Compression.NONE : c));
            }
            outputs.add(new OutputSpec(format, path, format.fromExt4() ? null : compression));
        }
        return outputs;
    }

    /** {@code rootfs.ext4} + ".qcow2" -> {@code rootfs.qcow2}: the -o name without its extension. */
    static Path derive(Path ext4Output, String suffix) {
        String name = ext4Output.getFileName().toString();
        for (String ext : List.of(".ext4", ".img", ".raw")) {
            if (name.endsWith(ext) && name.length() > ext.length()) {
                name = name.substring(0, name.length() - ext.length());
                break;
            }
        }
        return ext4Output.resolveSibling(name + suffix);
    }

    OutputPlan.KernelSpec kernelSpec() {
        if (kernel != null && kernelImage != null) {
            throw new KilnException("--kernel and --kernel-image: give one of them");
        }
        return new OutputPlan.KernelSpec(kernel, kernelImage, cmdline);
    }
}
