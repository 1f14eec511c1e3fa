package dev.kiln.output;

import dev.kiln.KilnException;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Any write failure of a stream that has no path (standard output: a full disk, a reader gone) is named. */
final class NamedOutputStream extends FilterOutputStream {
    private final String name;

    NamedOutputStream(OutputStream out, String name) {
        super(out);
        this.name = name;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw new KilnException(name, e);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw new KilnException(name, e);
        }
    }
}
