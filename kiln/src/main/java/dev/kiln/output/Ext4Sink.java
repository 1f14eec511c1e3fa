package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.LimitExceeded;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.SparseContent;
import dev.kiln.ext4.Attributes;
import dev.kiln.ext4.DataRegion;
import dev.kiln.ext4.Ext4Exception;
import dev.kiln.ext4.Ext4LimitException;
import dev.kiln.ext4.Ext4Writer;
import dev.kiln.ext4.SpecialType;

import java.io.IOException;
import java.util.List;

/** Feeds entries to the ext4 writer: the one place where the entry model meets the writer's API. */
public final class Ext4Sink implements EntrySink {
    private final Ext4Writer writer;

    public Ext4Sink(Ext4Writer writer) {
        this.writer = writer;
    }

    @Override
    public void accept(Entry e) throws IOException {
        try {
            write(e);
        } catch (Ext4Exception refused) {
            throw refusal(refused);
        }
    }

    /**
     * The writer's refusals (a limit, a name) are the user's to act on, like any other input
     * error: its limits become {@link LimitExceeded}, the rest a plain KilnException, each with
     * the writer's message (it names the path or option already).
     */
    static KilnException refusal(Ext4Exception refused) {
        if (refused instanceof Ext4LimitException limit) {
            return LimitExceeded.reported(limit.getMessage(), limit.value(), limit.limit(), limit);
        }
        return new KilnException(refused.getMessage(), refused);
    }

    private void write(Entry e) throws IOException {
        Attributes attributes = new Attributes(e.mode() & 07777, e.uid(), e.gid(), e.mtimeSeconds(),
                e.mtimeNanos(), e.xattrs());
        switch (e.type()) {
            case DIRECTORY -> writer.directory(e.path(), attributes);
            case FILE -> {
                if (e.content() instanceof SparseContent sparse) {
                    // Holes go to the writer as holes: it never reads them.
                    List<DataRegion> regions = sparse.regions().stream()
                            .map(r -> new DataRegion(r.offset(), r.length())).toList();
                    writer.file(e.path(), attributes, e.size(), regions, sparse.data());
                } else {
                    writer.file(e.path(), attributes, e.size(), e.content());
                }
            }
            case SYMLINK -> writer.symlink(e.path(), attributes, e.linkTarget());
            case HARDLINK -> writer.hardLink(e.path(), e.linkTarget());
            case CHARACTER_DEVICE -> writer.special(e.path(), attributes, SpecialType.CHARACTER_DEVICE,
                    e.devMajor(), e.devMinor());
            case BLOCK_DEVICE -> writer.special(e.path(), attributes, SpecialType.BLOCK_DEVICE,
                    e.devMajor(), e.devMinor());
            case FIFO -> writer.special(e.path(), attributes, SpecialType.FIFO, 0, 0);
            case SOCKET -> writer.special(e.path(), attributes, SpecialType.SOCKET, 0, 0);
        }
    }
}
