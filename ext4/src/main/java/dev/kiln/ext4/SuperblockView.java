package dev.kiln.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.kiln.ext4.Features.*;

/**
 * The superblock as the reader sees it: the geometry every other structure is found by, parsed
 * from the 1,024 bytes at byte 1,024 of the image and checked before anything else is read, so
 * that later arithmetic (group of an inode, block of a table) can never leave the image.
 */
record SuperblockView(int blockSize, long blocksCount, long firstDataBlock, int blocksPerGroup,
                      int inodesPerGroup, long inodesCount, int inodeSize, int firstIno, int descSize,
                      long groupCount, int compat, int incompat, int roCompat, int firstMetaBg,
                      long[] backupGroups, int csumSeed, long mkfsTime) {
    static final int OFFSET = 1024;
    static final int SIZE = 1024;
    static final int MAGIC = 0xEF53;
    /** The largest group count accepted; 2^22 groups of 32,768 4 KiB blocks is 512 TiB. */
    static final long MAX_GROUPS = 1L << 22;

    /**
     * Parses and checks the primary superblock.
     *
     * @param label     prefix of every error message (the image's name)
     * @param imageSize bytes in the image; the filesystem must fit in it
     * @param verify    check the superblock checksum (metadata_csum)
     */
    static SuperblockView parse(byte[] raw, String label, long imageSize, boolean verify) throws Ext4Exception {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        String where = label + ": superblock";
        int magic = b.getShort(0x38) & 0xFFFF;
        if (magic != MAGIC) {
            throw new Ext4Exception(where + ": bad magic 0x" + Integer.toHexString(magic)
                    + " (not an ext2/3/4 filesystem)");
        }
        int compat = b.getInt(0x5C);
        int incompat = b.getInt(0x60);
        int roCompat = b.getInt(0x64);
        checkFeatures(where, incompat);
        boolean csum = (roCompat & RO_COMPAT_METADATA_CSUM) != 0;
        if (csum) {
            if ((b.get(0x175) & 0xFF) != 1) {
                throw new Ext4Exception(where + ": checksum type " + (b.get(0x175) & 0xFF) + " is not crc32c");
            }
            int stored = b.getInt(0x3FC);
            int computed = Crc32c.update(~0, raw, 0, 0x3FC);
            if (verify && stored != computed) {
                throw new Ext4Exception(where + ": checksum mismatch (stored 0x" + Integer.toHexString(stored)
                        + ", computed 0x" + Integer.toHexString(computed) + ")");
            }
        }
        int logBlock = b.getInt(0x18);
        if (logBlock < 0 || logBlock > 6) {
            throw new Ext4Exception(where + ": block size 1024 << " + Integer.toUnsignedString(logBlock)
                    + " is not 1 KiB..64 KiB");
        }
        int blockSize = 1024 << logBlock;
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        long blocksCount = (b.getInt(0x04) & 0xFFFFFFFFL) | (is64 ? (b.getInt(0x150) & 0xFFFFFFFFL) << 32 : 0);
        long firstDataBlock = b.getInt(0x14) & 0xFFFFFFFFL;
        if (firstDataBlock > 1 || firstDataBlock >= blocksCount) {
            throw new Ext4Exception(where + ": first data block " + firstDataBlock + " with " + blocksCount + " blocks");
        }
        if (blocksCount > Long.MAX_VALUE / blockSize || blocksCount * blockSize > imageSize) {
            throw new Ext4Exception(where + ": the filesystem has " + blocksCount + " blocks of " + blockSize
                    + " bytes, more than the image's " + imageSize + " bytes (truncated image?)");
        }
        int clusterRatio = 1;
        if ((roCompat & RO_COMPAT_BIGALLOC) != 0) {
            int logCluster = b.getInt(0x1C);
            if (logCluster < logBlock || logCluster > logBlock + 16) {
                throw new Ext4Exception(where + ": cluster size 1024 << " + logCluster + " with block size " + blockSize);
            }
            clusterRatio = 1 << (logCluster - logBlock);
        }
        int blocksPerGroup = b.getInt(0x20);
        if (blocksPerGroup < 8 || (long) blocksPerGroup > 8L * blockSize * clusterRatio) {
            throw new Ext4Exception(where + ": " + Integer.toUnsignedString(blocksPerGroup) + " blocks per group");
        }
        int inodesPerGroup = b.getInt(0x28);
        if (inodesPerGroup < 1 || inodesPerGroup > 8 * blockSize) {
            throw new Ext4Exception(where + ": " + Integer.toUnsignedString(inodesPerGroup) + " inodes per group");
        }
        long groupCount = (blocksCount - firstDataBlock + blocksPerGroup - 1) / blocksPerGroup;
        if (groupCount > MAX_GROUPS) {
            throw new Ext4Exception(where + ": " + groupCount + " block groups, more than the reader handles ("
                    + MAX_GROUPS + ")");
        }
        long inodesCount = b.getInt(0x00) & 0xFFFFFFFFL;
        if (inodesCount < Geometry.ROOT_INO || inodesCount > groupCount * inodesPerGroup) {
            throw new Ext4Exception(where + ": inode count " + inodesCount + " with " + groupCount + " groups of "
                    + inodesPerGroup);
        }
        int rev = b.getInt(0x4C);
        int inodeSize = 128;
        int firstIno = 11;
        if (rev != 0) {
            inodeSize = b.getShort(0x58) & 0xFFFF;
            firstIno = b.getInt(0x54);
            if (inodeSize < 128 || inodeSize > blockSize || Integer.bitCount(inodeSize) != 1) {
                throw new Ext4Exception(where + ": inode size " + inodeSize);
            }
            if (firstIno < 11 || Integer.toUnsignedLong(firstIno) > inodesCount) {
                throw new Ext4Exception(where + ": first inode " + Integer.toUnsignedString(firstIno));
            }
        }
        int descSize = 32;
        if (is64) {
            descSize = b.getShort(0xFE) & 0xFFFF;
            if (descSize < 64 || descSize > 1024 || Integer.bitCount(descSize) != 1) {
                throw new Ext4Exception(where + ": group descriptor size " + descSize);
            }
        }
        byte[] uuid = new byte[16];
        b.get(0x68, uuid);
        int seed = (incompat & INCOMPAT_CSUM_SEED) != 0 ? b.getInt(0x270) : Crc32c.update(~0, uuid);
        long[] backups = {b.getInt(0x24C) & 0xFFFFFFFFL, b.getInt(0x250) & 0xFFFFFFFFL};
        long mkfsTime = (b.getInt(0x108) & 0xFFFFFFFFL) | ((long) (b.get(0x276) & 0xFF) << 32);
        return new SuperblockView(blockSize, blocksCount, firstDataBlock, blocksPerGroup, inodesPerGroup,
                inodesCount, inodeSize, firstIno, descSize, groupCount, compat, incompat, roCompat,
                b.getInt(0x104), backups, seed, mkfsTime);
    }

    private static void checkFeatures(String where, int incompat) throws Ext4Exception {
        if ((incompat & INCOMPAT_JOURNAL_DEV) != 0) {
            throw new Ext4Exception(where + ": this is an external journal device, not a filesystem");
        }
        if ((incompat & INCOMPAT_RECOVER) != 0) {
            throw new Ext4Exception(where + ": the journal needs recovery (the filesystem was not cleanly"
                    + " unmounted); run e2fsck on the image first");
        }
        int unknown = incompat & ~READABLE_INCOMPAT;
        if (unknown != 0) {
            throw new Ext4Exception(where + ": unsupported features: " + String.join(", ", Features.incompatNames(unknown)));
        }
    }

    boolean has(int incompatBit) {
        return (incompat & incompatBit) != 0;
    }

    boolean hasRo(int roCompatBit) {
        return (roCompat & roCompatBit) != 0;
    }

    boolean metadataCsum() {
        return hasRo(RO_COMPAT_METADATA_CSUM);
    }

    /** Whether descriptors track uninitialized inode tables (gdt_csum or metadata_csum). */
    boolean groupCsum() {
        return hasRo(RO_COMPAT_GDT_CSUM) || metadataCsum();
    }

    /** Extent entries an extent tree block holds. */
    int extentsPerBlock() {
        return (blockSize - ExtentTree.HEADER_SIZE) / ExtentTree.ENTRY_SIZE;
    }

    long groupFirstBlock(long group) {
        return firstDataBlock + group * blocksPerGroup;
    }

    /** Whether a group starts with a superblock backup (and, without meta_bg, a descriptor copy). */
    boolean groupHasSuper(long group) {
        if (group == 0) {
            return true;
        }
        if ((compat & COMPAT_SPARSE_SUPER2) != 0) {
            return group == backupGroups[0] || group == backupGroups[1];
        }
        if (!hasRo(RO_COMPAT_SPARSE_SUPER)) {
            return true;
        }
        return Geometry.hasSuper(group);
    }

    int inodeTableBlocks() {
        return (int) (((long) inodesPerGroup * inodeSize + blockSize - 1) / blockSize);
    }
}
