package dev.kiln.output;

import java.nio.file.Path;

/**
 * One output as the build left it.
 *
 * @param path        where it is: the target path, {@code -} for standard output, or for a
 *                    scratch output the file the build wrote (deleted when its session closes)
 * @param sizeBytes   the file's length (apparent: a sparse image counts its holes); a directory
 *                    output's files added up; what went to standard output
 * @param sha256      "sha256:HEX" of the file's bytes, or null where it costs a second read
 *                    (ext4 and qcow2 images, unless asked for) or is not one file (kernel+initrd)
 * @param compression of initramfs, tar and kernel+initrd's initrd.img; null for the ext4 formats
 */
public record WrittenOutput(OutputFormat format, Path path, boolean scratch, long sizeBytes, String sha256,
                            Compression compression) {
}
