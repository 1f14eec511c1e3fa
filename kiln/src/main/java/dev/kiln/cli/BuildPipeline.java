package dev.kiln.cli;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryStream;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.flatten.Flattener;
import dev.kiln.guest.GuestStage;
import dev.kiln.output.AtomicOutput;
import dev.kiln.output.Ext4Sink;
import dev.kiln.source.Image;
import dev.kiln.source.Sources;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/** source -> flatten -> guest -> ext4 writer -> atomic output: the one place that knows every stage. */
public final class BuildPipeline {
    private final PrintStream log;
    private final boolean quiet;

    public BuildPipeline(PrintStream log, boolean quiet) {
        this.log = log;
        this.quiet = quiet;
    }

    public Ext4Summary run(BuildRequest request) throws IOException {
        try (Image image = Sources.open(request.source(), request.sourceOptions());
             AtomicOutput output = AtomicOutput.file(request.output());
             FileChannel channel = FileChannel.open(output.temporary(), StandardOpenOption.WRITE,
                     StandardOpenOption.READ);
             Ext4Writer writer = new Ext4Writer(channel, request.ext4())) {
            Progress progress = new Progress(log, quiet);
            try (EntryStream flat = Flattener.flatten(image);
                 EntryStream entries = GuestStage.apply(flat, image.config(), request.guest(), request.timestamp())) {
                drain(entries, progress.wrap(new Ext4Sink(writer)));
            }
            Ext4Summary summary = writer.finish();
            channel.force(true);
            output.commit();
            progress.done(request.output().toString(), summary);
            return summary;
        }
    }

    static void drain(EntryStream entries, EntrySink sink) throws IOException {
        for (Entry e = entries.next(); e != null; e = entries.next()) {
            sink.accept(e);
        }
    }
}
