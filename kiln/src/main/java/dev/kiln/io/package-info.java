/**
 * Stream plumbing shared by the stages: {@link dev.kiln.io.ChunkPipe} runs a producer stream
 * (a layer being read, verified and decompressed) on a thread of its own, ahead of its
 * consumer (the flattener's Prefetcher is its one user); {@link dev.kiln.io.ChannelSlice} reads a window of a shared file by position;
 * {@link dev.kiln.io.Streams} holds helpers the stages' stream classes share;
 * {@link dev.kiln.io.FileLocks} takes file locks shared between kiln processes.
 * Knows nothing of images or filesystems.
 */
package dev.kiln.io;
