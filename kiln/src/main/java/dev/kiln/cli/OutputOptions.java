package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputNames;
import dev.kiln.output.OutputSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which outputs -o, --format and --compress ask for (the flags are declared in {@link BuildKeys}). */
final class OutputOptions {
    final List<String> formats;
    final String compress;

    OutputOptions(List<String> formats, String compress) {
        this.formats = formats;
        this.compress = compress;
    }

    /**
     * The outputs asked for by {@code -o} (may be null) and {@code --format}. {@code -o}'s
     * format is what its name says ({@link OutputNames}: rootfs.qcow2 is a qcow2), ext4 when
     * the name says nothing; {@code -o -} takes the one {@code --format} given without a path
     * (tar or initramfs to standard output). A {@code --format} without a path is {@code -o}'s
     * own when the formats agree, else a file beside it named for the format.
     */
    List<OutputSpec> outputs(Path output) {
        Compression compression = compress == null ? null : Compression.parse(compress);
        List<String> rest = new ArrayList<>(formats);
        List<OutputSpec> outputs = new ArrayList<>();
        OutputFormat main = null;
        if (output != null) {
            if (output.toString().equals(OutputSpec.STDOUT)) {
                main = stdoutFormat(rest);
            } else {
                main = OutputNames.of(output).map(OutputNames.Named::format).orElse(OutputFormat.EXT4);
            }
            outputs.add(new OutputSpec(main, output, main.fromExt4() ? null : compression));
        }
        for (String value : rest) {
            int eq = value.indexOf('=');
            OutputFormat format = OutputFormat.parse("--format", eq < 0 ? value : value.substring(0, eq));
            Path path;
            if (eq >= 0 && eq < value.length() - 1) {
                path = Path.of(value.substring(eq + 1));
            } else if (format == main) {
                continue;   // --format qcow2 with -o x.qcow2: that is -o's output
            } else if (output == null || output.toString().equals(OutputSpec.STDOUT)) {
                throw new KilnException("--format " + value + ": give a path (" + format + "=PATH) or -o FILE to "
                        + "derive it from");
            } else {
                Compression c = format.fromExt4() ? null
                        : compression != null ? compression : format.defaultCompression(null);
                path = derive(output, format.suffix(c == null ? Compression.NONE : c));
            }
            outputs.add(new OutputSpec(format, path, format.fromExt4() ? null : compression));
        }
        return outputs;
    }

    /**
     * The format {@code -o -} writes: the one --format given without a path, taken out of
     * {@code formats}; with none, ext4 (which standard output refuses, saying what it takes).
     */
    private static OutputFormat stdoutFormat(List<String> formats) {
        List<String> pathless = formats.stream().filter(f -> f.indexOf('=') < 0 || f.endsWith("=")).toList();
        if (pathless.size() > 1) {
            throw new KilnException("-o -: standard output can take one output, and " + String.join(", ", pathless)
                    + " have no path of their own; give the others a path (FORMAT=PATH)");
        }
        if (pathless.isEmpty()) {
            return OutputFormat.EXT4;
        }
        String value = pathless.get(0);
        formats.remove(value);
        return OutputFormat.parse("--format", value.endsWith("=") ? value.substring(0, value.length() - 1) : value);
    }

    /** {@code rootfs.ext4} + ".qcow2" -> {@code rootfs.qcow2}: the -o name without its known suffix. */
    static Path derive(Path output, String suffix) {
        return output.resolveSibling(OutputNames.stem(output) + suffix);
    }
}
