package dev.kiln.inflate;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * The fast engine: ISA-L's inflate through the JNI shim kiln/src/main/c/inflate/kiln_inflate.c.
 * Usable only once {@link NativeLibrary#load} has succeeded.
 */
final class IsalInflate implements DeflateEngine {
    static final String LIBRARY = "kiln-inflate";
    // Return codes of the shim's inflate().
    private static final int PROGRESS = 0;
    private static final int FINISHED = 1;
    private static final int CORRUPT = -1;
    // Slots of its result array.
    private static final int CONSUMED = 0;
    private static final int PRODUCED = 1;
    private static final int CRC = 2;
    private static final int SIZE = 3;
    private static final int LEFTOVER_COUNT = 4;
    private static final int LEFTOVER_BYTES = 5;

    /** ISA-L's decoder state (about 40 KiB), owned by the garbage collector like any buffer. */
    private final ByteBuffer state;
    private final long[] result = new long[6];
    private boolean finished;

    IsalInflate() {
        int size = stateSize();
        // alignedSlice moves both ends inwards to a 64-byte boundary: up to 126 bytes in all
        state = ByteBuffer.allocateDirect(size + 128).alignedSlice(64);
        reset();
    }

    @Override
    public void reset() {
        if (!reset(state)) {
            throw new IllegalStateException("native inflater: state buffer too small");
        }
        finished = false;
    }

    @Override
    public int inflate(byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen) throws DataFormatException {
        int status = inflate(state, in, inOff, inLen, out, outOff, outLen, result);
        switch (status) {
            case PROGRESS -> { }
            case FINISHED -> finished = true;
            case CORRUPT -> throw new DataFormatException("invalid deflate data");
            default -> throw new IllegalStateException("native inflater: arguments or state out of bounds");
        }
        return (int) result[PRODUCED];
    }

    @Override
    public int consumed() {
        return (int) result[CONSUMED];
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public int leftoverCount() {
        return (int) result[LEFTOVER_COUNT];
    }

    @Override
    public long leftoverBytes() {
        return result[LEFTOVER_BYTES];
    }

    @Override
    public int crc() {
        return (int) result[CRC];
    }

    @Override
    public int size() {
        return (int) result[SIZE];
    }

    @Override
    public void end() {
        // nothing native to free: the state is a direct buffer
    }

    static native int stateSize();

    private static native boolean reset(ByteBuffer state);

    private static native int inflate(ByteBuffer state, byte[] in, int inOff, int inLen,
                                      byte[] out, int outOff, int outLen, long[] result);
}
