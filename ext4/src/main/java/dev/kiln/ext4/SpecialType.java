package dev.kiln.ext4;

/** Inode types that carry neither data blocks nor children. */
public enum SpecialType { CHARACTER_DEVICE, BLOCK_DEVICE, FIFO, SOCKET }
