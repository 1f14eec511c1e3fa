/**
 * Gzip decoding for layers and tarballs: {@link dev.kiln.inflate.Gunzip} opens a stream of one
 * or more gzip members. The deflate data is decoded by ISA-L's inflate (about twice as fast as
 * zlib) through a JNI shim carried in the jar, or by {@link java.util.zip.Inflater} wherever the
 * shim does not load; the gzip framing around it is parsed by the same Java code for both, so
 * both accept and refuse the same input. Knows nothing of images or tar.
 */
package dev.kiln.inflate;
