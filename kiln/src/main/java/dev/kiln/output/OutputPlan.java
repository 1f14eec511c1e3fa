package dev.kiln.output;

import dev.kiln.KilnException;

import java.nio.file.Path;
import java.util.List;

/**
 * What a build writes and how.
 *
 * @param outputs every output (at least one); paths must differ
 * @param strict  fail, rather than warn, when an output cannot keep something (xattrs in cpio)
 * @param kernel  where kernel+initrd takes its kernel from
 */
public record OutputPlan(List<OutputSpec> outputs, boolean strict, KernelSpec kernel) {

    /**
     * @param file    a kernel file on the host, or null
     * @param image   an image reference whose /kernel or /boot/vmlinuz* is the kernel, or null;
     *                with neither, the built image itself is searched
     * @param cmdline extra kernel command line, appended to {@link #DEFAULT_CMDLINE}; may be null
     */
    public record KernelSpec(Path file, String image, String cmdline) {
        public static final String DEFAULT_CMDLINE = "console=ttyS0 reboot=t panic=-1";

        public static KernelSpec none() {
            return new KernelSpec(null, null, null);
        }

        public String fullCmdline() {
            return cmdline == null || cmdline.isBlank() ? DEFAULT_CMDLINE : DEFAULT_CMDLINE + " " + cmdline.trim();
        }
    }

    public OutputPlan {
        outputs = List.copyOf(outputs);
        java.util.Set<Path> seen = new java.util.HashSet<>();
        OutputSpec stdout = null;
        for (OutputSpec o : outputs) {
            if (o.toStdout()) {
                if (!o.format().streamable()) {
                    throw new KilnException(OutputSpec.STDOUT + ": standard output can take only tar or initramfs "
                            + "(--format tar=-, --format initramfs=-), not " + o.format() + "; write " + o.format()
                            + " to a file");
                }
                if (stdout != null) {
                    throw new KilnException(OutputSpec.STDOUT + ": named by two outputs (" + stdout.format() + " and "
                            + o.format() + "); standard output can take one");
                }
                stdout = o;
            } else if (!o.scratch() && !seen.add(o.path().toAbsolutePath().normalize())) {
                throw new KilnException(o.path() + ": named by two outputs");
            }
        }
        kernel = kernel == null ? KernelSpec.none() : kernel;
    }

    /** Just the ext4 image at {@code path}: what {@code -o FILE} alone asks for. */
    public static OutputPlan ext4(Path path) {
        return new OutputPlan(List.of(new OutputSpec(OutputFormat.EXT4, path, null)), false, null);
    }

    public boolean needsExt4() {
        return outputs.stream().anyMatch(o -> o.format().fromExt4());
    }

    public boolean needsTree() {
        return outputs.stream().anyMatch(o -> !o.format().fromExt4());
    }

    /** The output that goes to standard output, if any. */
    public java.util.Optional<OutputSpec> stdout() {
        return outputs.stream().filter(OutputSpec::toStdout).findFirst();
    }

    /**
     * Where the build's own scratch files go (the spool of the tree outputs, a raw image that only
     * a qcow2 needs): beside the first file output of the tree formats, else beside the first file
     * output, else (only standard output) in $TMPDIR or the JVM's temp dir.
     */
    public Path scratchDirectory() {
        java.util.Optional<OutputSpec> file = outputs.stream().filter(o -> !o.toStdout() && !o.format().fromExt4())
                .findFirst().or(() -> outputs.stream().filter(o -> !o.toStdout()).findFirst());
        if (file.isPresent()) {
            return file.get().directory();
        }
        String tmp = System.getenv("TMPDIR");
        return Path.of(tmp != null && !tmp.isBlank() ? tmp : System.getProperty("java.io.tmpdir")).toAbsolutePath();
    }
}
