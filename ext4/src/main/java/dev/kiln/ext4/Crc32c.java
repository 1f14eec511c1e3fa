package dev.kiln.ext4;

/**
 * CRC32C (Castagnoli) as ext4's metadata_csum uses it: the raw register value, seeded by the
 * caller and without the final inversion, so checksums can be chained (seed = crc of the UUID,
 * then inode number, then the structure). {@link java.util.zip.CRC32C} always starts from ~0
 * and inverts at the end, which is why this exists.
 */
final class Crc32c {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    static int update(int crc, byte[] data, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            crc = TABLE[(crc ^ data[i]) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }

    static int update(int crc, byte[] data) {
        return update(crc, data, 0, data.length);
    }

    /** Feeds a 32-bit value little-endian, as the kernel does for inode numbers and generations. */
    static int updateInt(int crc, int value) {
        for (int i = 0; i < 4; i++) {
            crc = TABLE[(crc ^ (value >>> (8 * i))) & 0xFF] ^ (crc >>> 8);
        }
        return crc;
    }
}
