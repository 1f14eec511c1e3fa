package dev.kiln.ext4;

/**
 * One child of a directory as the directory block stores it.
 *
 * @param name     1..255 bytes, no '/' and no NUL
 * @param inode    the child's inode number
 * @param fileType ext4 dirent file type code: 1 file, 2 dir, 3 chr, 4 blk, 5 fifo, 6 sock, 7 symlink
 */
record DirEntry(byte[] name, int inode, int fileType) {
}
