package dev.kiln.cli;

import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.OutputPlan;
import dev.kiln.source.SourceOptions;

import java.nio.file.Path;

/**
 * Everything one build needs, resolved from flags and the spec file.
 *
 * @param output    the ext4 output ({@code -o}), or null when only other formats are asked for
 * @param timestamp mtime of what Kiln itself creates: SOURCE_DATE_EPOCH, else 0
 * @param plan      every output (the ext4 one included) and how to write them
 */
public record BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                           Path output, long timestamp, OutputPlan plan) {

    public BuildRequest {
        plan = plan == null ? OutputPlan.ext4(output) : plan;
    }

    /** Just the ext4 image at {@code output}. */
    public BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                        Path output, long timestamp) {
        this(source, sourceOptions, ext4, guest, output, timestamp, null);
    }
}
