package dev.kiln.entry;

import java.io.IOException;

/** Where the final entries go: the ext4 writer, a cpio or tar writer. */
public interface EntrySink {
    /** Consumes the entry, reading its content fully if it is a file. */
    void accept(Entry entry) throws IOException;
}
