package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A window of a file read by position, as a stream: many slices can read one shared channel
 * at once (an archive's members, a spool file's entries) without seeking it. Closing a slice
 * leaves the channel open; its owner closes it.
 */
public final class ChannelSlice extends InputStream {
    private final FileChannel channel;
    private final String endsEarly;
    private long position;
    private final long end;

    /** @param endsEarly the message when the file is shorter than the window ("archive member ends early") */
    public ChannelSlice(FileChannel channel, long offset, long size, String endsEarly) {
        this.channel = channel;
        this.position = offset;
        this.end = offset + size;
        this.endsEarly = endsEarly;
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (position >= end) {
            return -1;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
        if (n < 0) {
            throw new IOException(endsEarly);
        }
        position += n;
        return n;
    }
}
