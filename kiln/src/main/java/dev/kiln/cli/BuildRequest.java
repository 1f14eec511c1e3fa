package dev.kiln.cli;

import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.source.SourceOptions;

import java.nio.file.Path;

/**
 * Everything one build needs, resolved from flags (and later a spec file).
 *
 * @param timestamp mtime of what Kiln itself creates: SOURCE_DATE_EPOCH, else 0
 */
public record BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                           Path output, long timestamp) {
}
