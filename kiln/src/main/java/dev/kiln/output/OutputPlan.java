package dev.kiln.output;

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
        for (OutputSpec o : outputs) {
            if (!seen.add(o.path().toAbsolutePath().normalize())) {
                throw new dev.kiln.KilnException(o.path() + ": named by two outputs");
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
}
