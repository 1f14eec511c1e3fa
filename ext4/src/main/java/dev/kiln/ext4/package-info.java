/**
 * A pure-Java ext4 image writer and reader. It knows nothing about containers: callers hand the
 * writer paths, attributes and content streams through {@link dev.kiln.ext4.Ext4Writer}, and
 * {@link dev.kiln.ext4.Ext4Reader} walks an existing ext2/3/4 image (htree directories, extents
 * and block maps, inline data, xattrs, hard links, sparse files) in the same terms.
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
 *
 * <h2>Limits</h2>
 * Nothing is truncated to fit a field: a value ext4 cannot hold is an error naming the path
 * and the limit ({@link dev.kiln.ext4.Ext4Limits} has each number and its reason). Files are
 * at most 16 TiB - 4 KiB (32-bit extent block numbers, one kept back by the kernel); uid and
 * gid at most 2^32 - 1; device numbers at most 4,095:1,048,575; an image at most 16 TiB with an
 * exact size (32-bit block numbers in the resize inode) and 1 TiB sized to fit (the reserved
 * descriptors are sized before the content is known); at most 32,768 inodes per group and
 * 4,292,870,144 in all (32-bit s_inodes_count over at most 131,072 groups). Times outside
 * 1901-12-13 .. 2446-05-10 (32-bit seconds plus two epoch bits) are clamped, as the kernel
 * clamps them, and reported once in {@link dev.kiln.ext4.Ext4Summary#warnings()}. Holes of
 * sparse files cost nothing, and nothing recurses over the tree, so depth is not limited by
 * the stack.
 */
package dev.kiln.ext4;
