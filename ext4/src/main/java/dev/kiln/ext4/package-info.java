/**
 * A pure-Java ext4 image writer. It knows nothing about containers: callers hand it paths,
 * attributes and content streams through {@link dev.kiln.ext4.Ext4Writer}.
 */
package dev.kiln.ext4;
