package dev.kiln.inflate;

import dev.kiln.io.Streams;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;

/**
 * A gzip stream of one or more members (RFC 1952), decoded by a {@link DeflateEngine}: every
 * member is read, and each one's CRC-32 and length are checked against its trailer. The end of
 * the input is the only clean end: after a member comes another one, or NUL bytes up to the end
 * (padding, which GNU gzip also skips), or nothing; anything else is an error, since it may be a
 * damaged further member and dropping it would lose files silently.
 */
final class GzipStream extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;
    private static final int RESERVED_FLAGS = 0xe0;

    private enum State { FIRST_HEADER, DATA, AFTER_MEMBER, END }

    private final CompressedInput in;
    private final DeflateEngine engine;
    private State state = State.FIRST_HEADER;
    /**
     * The first failure, returned by every later read (the decoder is in no state to go on).
     * One met after some bytes of a read waits for the next: the bytes come first.
     */
    private GzipException failure;
    private boolean closed;

    GzipStream(InputStream raw, DeflateEngine engine, int bufferSize) {
        this.in = new CompressedInput(raw, bufferSize);
        this.engine = engine;
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream closed");
        }
        if (failure != null) {
            throw failure;
        }
        if (len == 0) {
            return 0;
        }
        try {
            return decode(b, off, len);
        } catch (GzipException e) {
            failure = e;
            throw e;
        }
    }

    private int decode(byte[] b, int off, int len) throws IOException {
        while (true) {
            switch (state) {
                case END -> {
                    return -1;
                }
                case FIRST_HEADER -> header(true);
                case AFTER_MEMBER -> afterMember();
                case DATA -> {
                    int n = inflate(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                }
            }
        }
    }

    private int inflate(byte[] b, int off, int len) throws IOException {
        while (true) {
            int n;
            try {
                n = engine.inflate(in.buf, in.pos, in.available(), b, off, len);
            } catch (DataFormatException e) {
                GzipException corrupt = corrupt(GzipException.Kind.CORRUPT_DATA, null);
                corrupt.initCause(e); // zlib says what was invalid; kept for --debug
                throw corrupt;
            }
            int taken = engine.consumed();
            in.pos += taken;
            if (engine.finished()) {
                in.unread(engine.leftoverBytes(), engine.leftoverCount());
                state = State.AFTER_MEMBER;
                try {
                    trailer();
                } catch (GzipException e) {
                    if (n == 0 || in.ended()) {
                        throw e; // no data once the input has ended: its reader may be closed by now
                    }
                    failure = e; // the member's last bytes first, so that a reader can say where it struck
                }
                return n;
            }
            if (n > 0 || taken > 0) {
                return n;
            }
            // More input only when the engine can do nothing without it: it may hold output with
            // all input taken, and the input is read to its end only once nothing is left to give.
            if (in.available() > 0) {
                // Neither engine stalls with input to take and room to write; never spin if one did.
                throw new IllegalStateException("deflate engine made no progress at compressed byte " + in.position());
            }
            if (!in.fill()) {
                throw new GzipException(GzipException.Kind.TRUNCATED, "truncated gzip data");
            }
        }
    }

    /** Reads a member header; the first one's magic is checked here, later ones' by afterMember. */
    private void header(boolean first) throws IOException {
        CRC32 crc = new CRC32();
        if (first) {
            int id1 = in.read();
            int id2 = id1 < 0 ? -1 : in.read();
            if (id1 < 0 || id2 < 0) {
                throw new GzipException(GzipException.Kind.TRUNCATED, "truncated gzip data");
            }
            if (id1 != 0x1f || id2 != 0x8b) {
                throw new GzipException(GzipException.Kind.NOT_GZIP, "not gzip data");
            }
        }
        crc.update(0x1f);
        crc.update(0x8b);
        int method = headerByte(crc);
        if (method != 8) {
            throw corrupt(GzipException.Kind.BAD_HEADER, "unsupported compression method");
        }
        int flags = headerByte(crc);
        if ((flags & RESERVED_FLAGS) != 0) {
            throw corrupt(GzipException.Kind.BAD_HEADER, "bad header");
        }
        for (int i = 0; i < 6; i++) {
            headerByte(crc); // modification time, extra flags, operating system
        }
        if ((flags & FEXTRA) != 0) {
            int length = headerByte(crc) | headerByte(crc) << 8;
            for (int i = 0; i < length; i++) {
                headerByte(crc);
            }
        }
        if ((flags & FNAME) != 0) {
            while (headerByte(crc) != 0) {
                // the original file name, unused
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (headerByte(crc) != 0) {
                // a comment, unused
            }
        }
        if ((flags & FHCRC) != 0) {
            int expected = (int) crc.getValue() & 0xffff;
            if ((headerByte(null) | headerByte(null) << 8) != expected) {
                throw corrupt(GzipException.Kind.BAD_HEADER, "bad header");
            }
        }
        engine.reset();
        state = State.DATA;
    }

    private int headerByte(CRC32 crc) throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new GzipException(GzipException.Kind.TRUNCATED, "truncated gzip data");
        }
        if (crc != null) {
            crc.update(c);
        }
        return c;
    }

    private void trailer() throws IOException {
        int crc = headerByte(null) | headerByte(null) << 8 | headerByte(null) << 16 | headerByte(null) << 24;
        int size = headerByte(null) | headerByte(null) << 8 | headerByte(null) << 16 | headerByte(null) << 24;
        if (crc != engine.crc()) {
            throw corrupt(GzipException.Kind.CHECKSUM_MISMATCH, "checksum mismatch");
        }
        if (size != engine.size()) {
            throw corrupt(GzipException.Kind.LENGTH_MISMATCH, "length mismatch");
        }
    }

    private void afterMember() throws IOException {
        long end = in.position();
        int b0 = in.read();
        if (b0 < 0) {
            state = State.END;
            return;
        }
        if (b0 == 0x1f && in.read() == 0x8b) {
            header(false);
            return;
        }
        int c = b0;
        while (c == 0) {
            c = in.read();
        }
        if (c < 0) {
            state = State.END;
            return;
        }
        throw new GzipException(GzipException.Kind.TRAILING_DATA,
                "unexpected data after the end of the gzip stream at compressed byte " + end);
    }

    private static GzipException corrupt(GzipException.Kind kind, String what) {
        return new GzipException(kind, "corrupt gzip data" + (what == null ? "" : ": " + what));
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            engine.end();
            in.close();
        }
    }
}
