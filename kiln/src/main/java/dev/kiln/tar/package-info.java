/**
 * Tar input: {@link dev.kiln.tar.TarReader}, a streaming reader of uncompressed tar archives
 * (ustar, GNU, PAX; sparse files; xattrs and ACLs kept byte-exact) yielding
 * {@link dev.kiln.entry.Entry} records, and {@link dev.kiln.tar.Decompress}, which detects gzip,
 * zstd or bzip2 by content and decompresses on a thread of its own.
 */
package dev.kiln.tar;
