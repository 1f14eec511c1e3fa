/**
 * The last stage: the final entries become files. {@link dev.kiln.output.OutputSession} is the
 * one entry point (open a plan, start, feed the sink, finish, close); everything else here
 * serves it: the ext4 writer's adapter, the tree collector and the archive writers, qcow2
 * conversion, the atomic publishing of a set of outputs, the kernel rule.
 *
 * <p>Depends on {@code entry}, {@code ext4} and {@code io}, never on {@code source} or
 * {@code flatten}: a kernel taken from another image arrives as an entry stream that the
 * caller opened ({@link dev.kiln.output.KernelSource}).
 *
 * <p>To add a format: a constant in {@link dev.kiln.output.OutputFormat} (made from the ext4
 * image or from the collected tree), its suffixes in {@link dev.kiln.output.OutputNames}, and
 * its case in {@code OutputSession.derive}.
 */
package dev.kiln.output;
