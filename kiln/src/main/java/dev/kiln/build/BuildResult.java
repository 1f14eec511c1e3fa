package dev.kiln.build;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.output.WrittenOutput;
import dev.kiln.output.WrittenOutputs;

import java.util.HexFormat;
import java.util.List;

/**
 * What a build did, for a machine to read ({@link #toJson()}): what it was built from, every
 * output, the filesystem, and where the time went.
 *
 * @param source     the reference as given
 * @param image      the resolved image
 * @param outputs    every output, in the order asked for
 * @param filesystem the ext4 filesystem of the ext4 and qcow2 outputs, or null when none was made
 * @param entries    entries written (the image's and those Kiln added)
 * @param fileBytes  bytes of file content written
 * @param warnings   every warning given
 * @param timings    where the time went
 */
public record BuildResult(String source, Image image, List<Output> outputs, Filesystem filesystem, long entries,
                          long fileBytes, List<String> warnings, Timings timings) {
    /** Keeps unmodifiable copies of the lists. */
    public BuildResult {
        outputs = List.copyOf(outputs);
        warnings = List.copyOf(warnings);
    }

    /**
     * The image that was built from, as resolved.
     *
     * @param manifestDigest the resolved manifest's digest, or null for sources without one (tar:, dir:)
     * @param configDigest   the config blob's digest, or null
     * @param platform       "os/arch[/variant]": the manifest's, else --platform's or this machine's
     * @param layers         how many layers were read (of every image, for a composed machine)
     */
    public record Image(String manifestDigest, String configDigest, String platform, int layers) {
    }

    /**
     * One output as written.
     *
     * @param format      ext4, qcow2, initramfs, kernel+initrd or tar
     * @param path        the file or directory written, "-" for standard output
     * @param sizeBytes   the file's length in bytes (a sparse image counts its holes)
     * @param sha256      "sha256:HEX" of the file, or null where that would cost a second read of an
     *                    image (ext4, qcow2) or is not one file (kernel+initrd)
     * @param compression gzip, zstd or none for initramfs and tar; null for the others
     */
    public record Output(String format, String path, long sizeBytes, String sha256, String compression) {
        static Output of(WrittenOutput o) {
            return new Output(o.format().toString(), o.path().toString(), o.sizeBytes(), o.sha256(),
                    o.compression() == null ? null : o.compression().toString());
        }
    }

    /**
     * The ext4 filesystem, as its superblock says.
     *
     * @param sizeBytes  the filesystem's size (the ext4 output's; a qcow2 holds the same)
     * @param blockCount 4 KiB blocks in all
     * @param freeBlocks of those, the free ones
     * @param inodeCount inodes in all
     * @param freeInodes of those, the free ones
     * @param uuid       the filesystem UUID, as blkid shows it
     */
    public record Filesystem(long sizeBytes, long blockCount, long freeBlocks, long inodeCount, long freeInodes,
                             String uuid) {
        static Filesystem of(Ext4Summary s) {
            return s == null ? null : new Filesystem(s.sizeBytes(), s.blockCount(), s.freeBlocks(), s.inodeCount(),
                    s.freeInodes(), uuid(s.uuid()));
        }

        private static String uuid(byte[] b) {
            String hex = HexFormat.of().formatHex(b);
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20);
        }
    }

    /**
     * Milliseconds per phase. Downloads overlap the writing (layers are read as they arrive), so
     * they have no phase of their own.
     *
     * @param resolveMillis opening the source: the manifest, the config
     * @param writeMillis   every entry through flatten and guest into the writers
     * @param finishMillis  the filesystem's metadata, the other outputs, and publishing them
     * @param totalMillis   the whole build, checks included
     */
    public record Timings(long resolveMillis, long writeMillis, long finishMillis, long totalMillis) {
    }

    static BuildResult of(String source, Image image, WrittenOutputs written, long entries, long fileBytes,
                          Timings timings) {
        return new BuildResult(source, image, written.outputs().stream().map(Output::of).toList(),
                Filesystem.of(written.ext4()), entries, fileBytes, written.warnings(), timings);
    }

    /** The result as one JSON object (field names as in these records). */
    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a record of strings and numbers always serializes", e);
        }
    }
}
