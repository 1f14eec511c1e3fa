package dev.kiln.ext4;

import java.util.List;

/** Encodes the blocks of one directory: a linear block, or an htree when it needs more. */
final class DirectoryEncoder {
    private DirectoryEncoder() {
    }

    /**
     * All blocks of one directory (each exactly blockSize bytes), "." and ".." first, with
     * metadata_csum tails filled in; an htree when the entries need more than one block.
     * Logical block i of the result is block i of the directory.
     */
    static List<byte[]> encode(int selfInode, int parentInode, int generation, List<DirEntry> children,
                               int blockSize, int csumSeed, int[] hashSeed) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
