/**
 * Sources: turn a user's reference (tar:, dir:, oci:, oci-archive:, docker-archive:, a registry
 * reference) into an {@link dev.kiln.source.Image}: ordered layers plus the image config.
 */
package dev.kiln.source;
