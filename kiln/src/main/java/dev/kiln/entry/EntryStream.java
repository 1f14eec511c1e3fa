package dev.kiln.entry;

import java.io.Closeable;
import java.io.IOException;

/** A pull stream of entries; each stage of the pipeline is one of these over the previous. */
public interface EntryStream extends Closeable {
    /** The next entry, or null at the end. The previous entry's content stream is then invalid. */
    Entry next() throws IOException;
}
