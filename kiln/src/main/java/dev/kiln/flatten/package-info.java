/**
 * Layers to one tree: {@link dev.kiln.flatten.Flattener} reads the layers newest first, so each
 * path's final entry is the first one seen, and applies whiteouts, opaque directories and
 * replaced directories as the OCI image spec says. Only the entries that survive are passed on;
 * a hard link whose target a newer layer hid costs one more read of its layer, never a copy.
 */
package dev.kiln.flatten;
