/**
 * Sources: turn a user's reference into an {@link dev.kiln.image.Image} (ordered layers plus the
 * image config). {@link dev.kiln.source.Transport} is the one table of reference kinds, by prefix;
 * {@link dev.kiln.source.Sources} opens a reference through it, resolves spec-file paths and
 * parses {@code kiln pull --to}. The plain root filesystems live here too ({@code tar:},
 * {@code dir:}, {@code ext4:}); the image sources are in the sub-packages:
 *
 * <pre>
 * source            Transport table, Sources dispatcher; tar:, dir:, ext4:
 * source.oci        oci:, oci-archive:, docker-archive:; blob stores with digest checks, the
 *                   index/manifest resolver, OCI layout reading and writing
 * source.registry   registry references: HTTP API, auth, blob cache, kiln pull
 * </pre>
 *
 * Adding a kind of source: a row in {@link dev.kiln.source.Transport} plus its implementation.
 * Implementations depend on {@code dev.kiln.image} (the contracts), never on this package.
 */
package dev.kiln.source;
