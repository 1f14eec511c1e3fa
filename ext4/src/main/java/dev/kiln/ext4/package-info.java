/**
 * A pure-Java ext4 image writer. It knows nothing about containers: callers hand it paths,
 * attributes and content streams through {@link dev.kiln.ext4.Ext4Writer}.
 *
 * <h2>Disk layout</h2>
 * 4 KiB blocks, 32,768 blocks per group, 256-byte inodes, 64-byte group descriptors,
 * flex_bg (metadata may live in any group), sparse_super backups in groups 0, 1 and powers
 * of 3, 5 and 7.
 * <pre>
 * block 0                                                                          end
 * | SB+GDT+rsv | file data ...... | SB+GDT+rsv | data ... | dirs, extent, xattr | BB.. IB.. IT......| journal | dind | free
 *   group 0      (streamed, in      backup in    (data      blocks (finish,       bitmaps and inode   (jbd2,    resize
 *   region       arrival order)     group 1,3..  continues) need UUID seeds)      tables, all groups   empty)   inode
 *
 *  SB+GDT+rsv  superblock (byte 1024 of block 0; block start in backups), descriptor blocks,
 *              reserved descriptor blocks. Its size is fixed when the writer starts because
 *              data streams past group 1, 3, 5 ... before the final size is known: with an
 *              exact size it follows mke2fs's rule; otherwise it is sized for growth to 1 TiB.
 *  BB / IB     one block bitmap and one inode bitmap per group, packed together
 *  IT          one inode table per group, each contiguous (it skips a backup region
 *              rather than straddle it)
 * </pre>
 *
 * <h2>Ordering rules</h2>
 * <ul>
 *   <li>File data is allocated strictly in arrival order ({@link dev.kiln.ext4.BlockAllocator}),
 *       so it can be written before anything else is known; all-zero blocks become holes.</li>
 *   <li>Directory, extent-index and xattr blocks come next: their checksums need the UUID, which
 *       is derived from everything written, so they can only be encoded at finish.</li>
 *   <li>Bitmaps, inode tables and the journal come last: their sizes depend on the final
 *       filesystem size, which depends on everything before them
 *       ({@link dev.kiln.ext4.Layout#fit} searches for it).</li>
 *   <li>Descriptors and superblocks are written at the very end, from counts taken off the
 *       bitmaps themselves, so e2fsck's recount always agrees.</li>
 * </ul>
 */
package dev.kiln.ext4;
