package dev.kiln.inflate;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/** The fallback engine: the JDK's {@link Inflater} (zlib) on raw deflate, and its CRC32. */
final class JavaInflate implements DeflateEngine {
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private int consumed;

    @Override
    public void reset() {
        inflater.reset();
        crc.reset();
    }

    @Override
    public int inflate(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen) throws DataFormatException {
        inflater.setInput(in, inOff, inLen);
        int n = inflater.inflate(out, outOff, outLen);
        if (inflater.needsDictionary()) {
            throw new DataFormatException("raw deflate data asking for a dictionary");
        }
        crc.update(out, outOff, n);
        consumed = inLen - inflater.getRemaining();
        return n;
    }

    @Override
    public int consumed() {
        return consumed;
    }

    @Override
    public boolean finished() {
        return inflater.finished();
    }

    @Override
    public int leftoverCount() {
        return 0; // the Inflater leaves unused input unconsumed
    }

    @Override
    public long leftoverBytes() {
        return 0;
    }

    @Override
    public int crc() {
        return (int) crc.getValue();
    }

    @Override
    public int size() {
        return (int) inflater.getBytesWritten();
    }

    @Override
    public void end() {
        inflater.end();
    }
}
