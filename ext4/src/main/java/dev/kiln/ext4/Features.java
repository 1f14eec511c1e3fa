package dev.kiln.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * Superblock feature bits (s_feature_compat, s_feature_incompat, s_feature_ro_compat), named as
 * mke2fs and dumpe2fs name them: the set the writer turns on, and what the reader understands
 * (an image using something it cannot read is refused by name).
 */
final class Features {
    static final int COMPAT_HAS_JOURNAL = 0x4;
    static final int COMPAT_EXT_ATTR = 0x8;
    static final int COMPAT_RESIZE_INODE = 0x10;
    static final int COMPAT_DIR_INDEX = 0x20;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;

    static final int INCOMPAT_COMPRESSION = 0x1;
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_RECOVER = 0x4;
    static final int INCOMPAT_JOURNAL_DEV = 0x8;
    static final int INCOMPAT_META_BG = 0x10;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_MMP = 0x100;
    static final int INCOMPAT_FLEX_BG = 0x200;
    static final int INCOMPAT_EA_INODE = 0x400;
    static final int INCOMPAT_DIRDATA = 0x1000;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    static final int INCOMPAT_LARGEDIR = 0x4000;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_ENCRYPT = 0x10000;
    static final int INCOMPAT_CASEFOLD = 0x20000;

    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_HUGE_FILE = 0x8;
    static final int RO_COMPAT_GDT_CSUM = 0x10;
    static final int RO_COMPAT_DIR_NLINK = 0x20;
    static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    static final int RO_COMPAT_BIGALLOC = 0x200;
    static final int RO_COMPAT_METADATA_CSUM = 0x400;
    static final int RO_COMPAT_SHARED_BLOCKS = 0x4000;

    /** What every image the writer makes has (the journal and resize inode are added when present). */
    static final int WRITER_COMPAT = COMPAT_EXT_ATTR | COMPAT_DIR_INDEX;
    static final int WRITER_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG;
    static final int WRITER_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_HUGE_FILE
            | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM;

    /** s_default_mount_opts: user_xattr and acl, as mke2fs sets them. */
    static final int DEFAULT_MOUNT_USER_XATTR = 0x4;
    static final int DEFAULT_MOUNT_ACL = 0x8;

    /**
     * Incompat features whose on-disk structures the reader understands. Reading needs nothing
     * from the others: a journal is only replayed when RECOVER is set (refused below), MMP is a
     * block the reader never touches, encryption and ea_inode are refused per file when met.
     */
    static final int READABLE_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_META_BG | INCOMPAT_EXTENTS | INCOMPAT_64BIT
            | INCOMPAT_MMP | INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR
            | INCOMPAT_INLINE_DATA | INCOMPAT_ENCRYPT | INCOMPAT_CASEFOLD;

    private static final String[] INCOMPAT_NAMES = {
        "compression", "filetype", "needs_recovery", "journal_dev", "meta_bg", "0x20", "extent", "64bit",
        "mmp", "flex_bg", "ea_inode", "0x800", "dirdata", "metadata_csum_seed", "large_dir", "inline_data",
        "encrypt", "casefold",
    };

    private Features() {
    }

    /** The names of the incompat bits in {@code bits} (hex for bits without a name). */
    static List<String> incompatNames(int bits) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                names.add(i < INCOMPAT_NAMES.length ? INCOMPAT_NAMES[i] : "0x" + Integer.toHexString(1 << i));
            }
        }
        return names;
    }
}
