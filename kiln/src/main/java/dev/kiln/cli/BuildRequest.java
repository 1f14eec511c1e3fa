package dev.kiln.cli;

import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.output.OutputPlan;

/**
 * Everything one build needs, resolved from flags and the spec file.
 *
 * @param source    the main image, or null for a composed machine without one
 * @param timestamp mtime of what Kiln itself creates: SOURCE_DATE_EPOCH, else 0
 * @param plan      every output (the ext4 one included) and how to write them
 * @param machine   the init images and containers of a composed machine, or null for a plain build
 */
public record BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                           long timestamp, OutputPlan plan, MachineSpec machine) {
    /** A plain build of one image. */
    public BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                        long timestamp, OutputPlan plan) {
        this(source, sourceOptions, ext4, guest, timestamp, plan, null);
    }
}
