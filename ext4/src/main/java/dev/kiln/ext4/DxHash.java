package dev.kiln.ext4;

/**
 * The directory-index name hash ext4 uses for new directories: half-MD4 over the name with
 * bytes read as unsigned (hash version 1 plus the superblock's EXT2_FLAGS_UNSIGNED_HASH),
 * seeded by s_hash_seed. Whoever sets the superblock must set that flag, or the kernel would
 * read names with signed bytes and miss every non-ASCII name.
 */
final class DxHash {
    /** MD4's initial state, used when the superblock's seed is all zero. */
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    private static final int K2 = 0x5A827999;
    private static final int K3 = 0x6ED9EBA1;

    private DxHash() {
    }

    /** The major hash with its low bit clear (the bit marks collisions in index entries). */
    static int hash(byte[] name, int[] seed) {
        return hash(name, seed, false);
    }

    /**
     * As {@link #hash(byte[], int[])}; {@code signedChars} selects the variant for superblocks
     * with EXT2_FLAGS_SIGNED_HASH (bytes >= 0x80 are sign-extended, as x86 C compilers did).
     */
    static int hash(byte[] name, int[] seed, boolean signedChars) {
        int[] buf = new int[4];
        boolean zero = seed == null || (seed[0] | seed[1] | seed[2] | seed[3]) == 0;
        System.arraycopy(zero ? DEFAULT_SEED : seed, 0, buf, 0, 4);
        int[] in = new int[8];
        // The name is consumed 32 bytes at a time; each chunk is padded with a value derived
        // from the length still remaining, not the total length.
        for (int pos = 0, remaining = name.length; remaining > 0; pos += 32, remaining -= 32) {
            fill(name, pos, remaining, in, signedChars);
            transform(buf, in);
        }
        int h = buf[1] & ~1;
        // 0xfffffffe is reserved as the end-of-directory cookie for 32-bit readdir.
        return h == 0xfffffffe ? 0xfffffffc : h;
    }

    /** Packs up to 32 bytes big-endian into 8 words; missing bytes and words are the padding. */
    private static void fill(byte[] name, int pos, int remaining, int[] in, boolean signedChars) {
        int pad = remaining | (remaining << 8);
        pad |= pad << 16;
        int len = Math.min(remaining, 32);
        int word = pad;
        int w = 0;
        for (int i = 0; i < len; i++) {
            word = (word << 8) + (signedChars ? name[pos + i] : name[pos + i] & 0xFF);
            if (i % 4 == 3) {
                in[w++] = word;
                word = pad;
            }
        }
        if (w < 8) {
            in[w++] = word;
        }
        while (w < 8) {
            in[w++] = pad;
        }
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    /** Three rounds of MD4 on eight words, as ext2/3/4 have always done it. */
    private static void transform(int[] buf, int[] in) {
        int a = buf[0], b = buf[1], c = buf[2], d = buf[3];

        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);

        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);

        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);

        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }
}
