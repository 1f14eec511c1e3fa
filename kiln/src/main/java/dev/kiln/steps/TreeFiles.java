package dev.kiln.steps;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryStream;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSession;
import dev.kiln.output.OutputSpec;
import dev.kiln.output.WrittenOutputs;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The two kinds of ext4 images steps work with, both written by the output stage:
 * a scratch disk for a VM (room to spare, deleted when closed) and a cache entry (compact,
 * published atomically, kept).
 */
final class TreeFiles {
    /**
     * Free space on a scratch disk: three times the tree, at least 8 GiB. The file is sparse, so
     * space the step does not use costs nothing; inodes follow (one per 16 KiB, and at least
     * three times those used), so a step that unpacks many small files does not run out.
     */
    static final double SCRATCH_HEADROOM = 3.0;
    static final long SCRATCH_MIN_FREE = 8L << 30;

    private TreeFiles() {
    }

    /** A scratch disk holding a tree; the file goes when this is closed. */
    record Scratch(Path file, OutputSession session) implements Closeable {
        @Override
        public void close() throws IOException {
            session.close();
        }
    }

    /** Writes {@code entries} to a new scratch disk in {@code directory}. */
    static Scratch scratch(EntryStream entries, Path directory, long timestamp) throws IOException {
        Ext4Options options = Ext4Options.defaults().withHeadroom(SCRATCH_HEADROOM, SCRATCH_MIN_FREE)
                .withLabel("kiln-step").withCreationTime(timestamp);
        OutputPlan plan = new OutputPlan(List.of(OutputSpec.scratch(OutputFormat.EXT4, directory)), false, null);
        OutputSession session = OutputSession.open(plan, OutputSession.Options.of(options, timestamp));
        try {
            WrittenOutputs written = write(session, entries);
            return new Scratch(written.outputs().get(0).path(), session);
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /**
     * Writes {@code entries} as a compact image (no journal, no free space to speak of) published
     * at {@code target}: the form a cached tree is kept in.
     */
    static void compact(EntryStream entries, Path target, long timestamp) throws IOException {
        Ext4Options options = Ext4Options.defaults().withHeadroom(0, 0).withJournal(false).withLabel("kiln-step")
                .withCreationTime(timestamp);
        OutputPlan plan = new OutputPlan(List.of(new OutputSpec(OutputFormat.EXT4, target, null)), false, null);
        try (OutputSession session = OutputSession.open(plan, OutputSession.Options.of(options, timestamp))) {
            write(session, entries);
        }
    }

    private static WrittenOutputs write(OutputSession session, EntryStream entries) throws IOException {
        try (entries) {
            EntrySink sink = session.start();
            for (Entry e = entries.next(); e != null; e = entries.next()) {
                sink.accept(e);
            }
        }
        return session.finish();
    }
}
