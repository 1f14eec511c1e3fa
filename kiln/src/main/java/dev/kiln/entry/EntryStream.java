package dev.kiln.entry;

import java.io.Closeable;
import java.io.IOException;

/** A pull stream of entries; each stage of the pipeline is one of these over the previous. */
public interface EntryStream extends Closeable {
    /** The next entry, or null at the end. The previous entry's content stream is then invalid. */
    Entry next() throws IOException;

    /**
     * {@code entries}, which closes {@code owner} too (what the entries are read from, such as
     * an opened image) after itself; should this fail, {@code owner} is closed at once.
     */
    static EntryStream closingAlso(Opener opener, Closeable owner) throws IOException {
        EntryStream entries;
        try {
            entries = opener.open();
        } catch (IOException | RuntimeException e) {
            try (owner) {
                throw e;
            }
        }
        return new EntryStream() {
            @Override
            public Entry next() throws IOException {
                return entries.next();
            }

            @Override
            public void close() throws IOException {
                try (owner) {
                    entries.close();
                }
            }
        };
    }

    /** Opens an entry stream. */
    interface Opener {
        EntryStream open() throws IOException;
    }
}
