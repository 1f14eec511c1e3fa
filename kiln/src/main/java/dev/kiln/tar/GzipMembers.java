package dev.kiln.tar;

import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.io.input.CloseShieldInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A gzip stream of one or more members, decoded member by member with Commons Compress.
 *
 * <p>The JDK's {@code GZIPInputStream} is not used because of how it ends: it looks for a
 * further member only when {@code available()} says more input is ready, so on a pipe or a
 * read-ahead queue it can stop after any member and report a clean end (a silently shorter
 * tar), and it drops whatever follows the last member without a word. Here the end of input
 * is the only clean end after a member. What may follow the last member: nothing, or NUL
 * bytes up to the end (padding, which GNU gzip also skips silently). Anything else is an
 * error, where GNU gzip warns ("trailing garbage ignored", exit status 2, which GNU tar
 * treats as fatal) and Go's compress/gzip fails: it may be a damaged further member, and
 * dropping it would give a tree with files missing.
 */
final class GzipMembers extends InputStream {
    private final Positioned in;
    private final String label;
    private GzipCompressorInputStream member;
    private boolean ended;

    GzipMembers(InputStream raw, String label) throws IOException {
        this.in = new Positioned(raw);
        this.label = label;
        this.member = open();
    }

    private GzipCompressorInputStream open() throws IOException {
        // Commons Compress reads a member from a stream that supports mark/reset and leaves it
        // positioned right after the member's trailer, which is what lets us look at what follows.
        // Closing a member must not close the input that the next member is read from.
        return GzipCompressorInputStream.builder().setInputStream(CloseShieldInputStream.wrap(in))
                .setDecompressConcatenated(false).get();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
            n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            int n = member.read(b, off, len);
            if (n > 0) {
                return n;
            }
            if (n < 0 && !nextMember()) {
                ended = true;
            }
        }
        return -1;
    }

    /** After a member: true when another one starts, false at a clean end; else an error. */
    private boolean nextMember() throws IOException {
        long at = in.position();
        in.mark(2);
        int b0 = in.read();
        int b1 = b0 < 0 ? -1 : in.read();
        if (b0 < 0) {
            return false;
        }
        if (b0 == 0x1f && b1 == 0x8b) {
            in.reset();
            member.close();
            member = open();
            return true;
        }
        if (b0 == 0 && (b1 == 0 || b1 < 0)) {
            int c = b1;
            while (c == 0) {
                c = in.read();
            }
            if (c < 0) {
                return false;
            }
        }
        throw new Decompress.CorruptInput(label + ": unexpected data after the end of the gzip stream at compressed byte " + at);
    }

    @Override
    public int available() throws IOException {
        return ended ? 0 : member.available();
    }

    @Override
    public void close() throws IOException {
        ended = true;
        try {
            member.close();
        } finally {
            in.close();
        }
    }

    /** A buffered stream that knows how many bytes its reader has consumed. */
    private static final class Positioned extends BufferedInputStream {
        private final Counting counting;

        Positioned(InputStream raw) {
            this(new Counting(raw));
        }

        private Positioned(Counting counting) {
            super(counting, 64 * 1024);
            this.counting = counting;
        }

        synchronized long position() {
            return counting.count - (count - pos);
        }
    }

    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int c = in.read();
            if (c >= 0) {
                count++;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(n);
            count += Math.max(s, 0);
            return s;
        }
    }
}
