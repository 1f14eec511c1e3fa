package dev.kiln.ext4;

/** Inode types that carry neither data blocks nor children ({@link Ext4Writer#special}). */
public enum SpecialType {
    /** A character device. */
    CHARACTER_DEVICE,
    /** A block device. */
    BLOCK_DEVICE,
    /** A named pipe. */
    FIFO,
    /** A Unix socket. */
    SOCKET
}
