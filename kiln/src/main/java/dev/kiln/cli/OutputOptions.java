package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
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
}
