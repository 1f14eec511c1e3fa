package dev.kiln.ext4;

import java.util.Map;

/** Places extended attributes in the inode body and, when they don't fit, one external block. */
final class XattrEncoder {
    private XattrEncoder() {
    }

    /**
     * Splits attributes between the inode body (at most inlineCapacity bytes, starting with the
     * 4-byte magic) and, if needed, one external block.
     *
     * @throws Ext4Exception "path: ..." when they don't fit
     */
    static Layout layout(String path, Map<String, byte[]> xattrs, int inlineCapacity, int blockSize)
            throws Ext4Exception {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Where the attributes went. */
    record Layout(byte[] inline, boolean needsBlock) {
        /** The external block's bytes with entry hashes, block hash and checksum. */
        byte[] block(long blockNumber, int csumSeed) {
            throw new UnsupportedOperationException("not implemented yet");
        }
    }
}
