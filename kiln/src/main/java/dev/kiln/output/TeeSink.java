package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryType;

import java.io.IOException;

/**
 * Feeds one entry stream to the tree collector and to another sink (the ext4 writer). A
 * file's content stream can be read only once, so the collector spools it first and the
 * other sink reads it back from the spool (still in the page cache).
 */
public final class TeeSink implements EntrySink {
    private final SpooledTree tree;
    private final EntrySink next;

    public TeeSink(SpooledTree tree, EntrySink next) {
        this.tree = tree;
        this.next = next;
    }

    @Override
    public void accept(Entry e) throws IOException {
        tree.accept(e);
        if (e.type() == EntryType.FILE) {
            next.accept(e.withContent(e.size(), tree.open(tree.find(e.path()))));
        } else {
            next.accept(e);
        }
    }
}
