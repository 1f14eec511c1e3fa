/** The record that flows between stages: one file-tree entry, with its content as a stream. */
package dev.kiln.entry;
