package dev.kiln.cli;

import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.output.OutputPlan;

/**
 * Everything one build needs, resolved from flags and the spec file.
 *
 * @param timestamp mtime of what Kiln itself creates: SOURCE_DATE_EPOCH, else 0
 * @param plan      every output (the ext4 one included) and how to write them
 */
public record BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                           long timestamp, OutputPlan plan) {
}
