package dev.kiln.build;

import java.io.IOException;

/**
 * Kiln as a library: builds bootable disks (ext4, qcow2, initramfs, kernel+initrd, tar) from an
 * OCI/Docker image or root filesystem in one pass, as {@code kiln build} does; the CLI is a
 * user of this class.
 *
 * <pre>{@code
 * BuildResult result = Kiln.build(BuildOptions.builder("oci:layout:latest")
 *         .output(Path.of("rootfs.ext4"))
 *         .output("qcow2", Path.of("rootfs.qcow2"), null)
 *         .init("kiln")
 *         .build());
 * result.outputs().forEach(o -> System.out.println(o.path() + " " + o.sizeBytes()));
 * }</pre>
 *
 * <p>Output files appear only when the whole build succeeded; on failure nothing the caller
 * named is changed. A failure is a {@link dev.kiln.KilnException} (or an {@link IOException})
 * whose message starts with what it is about; {@link Failures#describe} makes the one line the
 * CLI prints of any of them.
 */
public final class Kiln {
    private Kiln() {
    }

    /**
     * Builds every output of {@code options}.
     *
     * @return what was built: the outputs with their sizes and digests, the resolved image, the
     *         filesystem, timings (what {@code kiln build --json} prints)
     * @throws dev.kiln.KilnException when the source, an option or an output is wrong
     * @throws IOException            when reading the source or writing an output fails
     */
    public static BuildResult build(BuildOptions options) throws IOException {
        return new BuildPipeline(options.log(), options.quiet(), options.standardOutput(), options.digestImages())
                .run(options.request());
    }
}
