package dev.kiln.entry;

public enum EntryType {
    FILE, DIRECTORY, SYMLINK,
    /** Another name for an earlier entry; {@link Entry#linkTarget()} is that entry's path. */
    HARDLINK,
    CHARACTER_DEVICE, BLOCK_DEVICE, FIFO, SOCKET
}
