package dev.kiln.ext4;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A regular file's data in the image. {@link #open()} gives all {@link #size()} bytes, holes and
 * uninitialized extents as zeros; {@link #regions()} says where the data is, so a consumer that
 * keeps files sparse can skip the holes, reading only {@link #openRegions()}. Usable while the
 * image's channel is open; each call opens an independent stream.
 */
public final class FileContent {
    private final ImageChannel image;
    private final ExtentMap map;
    private final byte[] inline;
    private final long size;

    private FileContent(ImageChannel image, ExtentMap map, byte[] inline, long size) {
        this.image = image;
        this.map = map;
        this.inline = inline;
        this.size = size;
    }

    static FileContent inline(byte[] data) {
        return inline(data, data.length);
    }

    /** Inline data; past its end, up to {@code size}, the file reads as zeros (as the kernel reads it). */
    static FileContent inline(byte[] data, long size) {
        return new FileContent(null, null, data, size);
    }

    static FileContent mapped(ImageChannel image, ExtentMap map, long size) {
        return new FileContent(image, map, null, size);
    }

    /** The block mapping, or null for inline data (for tests that need to know where data lies). */
    ExtentMap extents() {
        return map;
    }

    /** The file's size in bytes, holes included. */
    public long size() {
        return size;
    }

    /** The runs that hold data, in order, neither empty nor adjacent; the rest of the file is holes. */
    public List<DataRegion> regions() {
        List<DataRegion> out = new ArrayList<>();
        if (inline != null) {
            if (inline.length > 0) {
                out.add(new DataRegion(0, inline.length));
            }
            return out;
        }
        long bs = image.blockSize();
        long start = -1;
        long end = -1;
        for (int i = 0; i < map.count(); i++) {
            if (!map.initialized(i)) {
                continue;
            }
            long from = map.logical(i) * bs;
            long to = Math.min(size, (map.logical(i) + map.length(i)) * bs);
            if (from >= to) {
                continue;
            }
            if (from == end) {
                end = to;
            } else {
                if (start >= 0) {
                    out.add(new DataRegion(start, end - start));
                }
                start = from;
                end = to;
            }
        }
        if (start >= 0) {
            out.add(new DataRegion(start, end - start));
        }
        return out;
    }

    /** All {@link #size()} bytes of the file. */
    public InputStream open() {
        if (inline != null) {
            return new SequenceInputStream(new ByteArrayInputStream(inline), new Zeros(size - inline.length));
        }
        return new MappedStream();
    }

    /** The bytes of {@link #regions()}, one region after another (as a sparse tar stores them). */
    public InputStream openRegions() {
        if (inline != null) {
            return new ByteArrayInputStream(inline);
        }
        return new RegionStream(regions());
    }

    /** {@code remaining} zero bytes. */
    private static final class Zeros extends InputStream {
        private long remaining;

        Zeros(long remaining) {
            this.remaining = remaining;
        }

        @Override
        public int read() {
            if (remaining <= 0) {
                return -1;
            }
            remaining--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            Arrays.fill(b, off, off + n, (byte) 0);
            remaining -= n;
            return n;
        }
    }

    /** Reads a file sequentially, mapping each position to its extent or to zeros. */
    private final class MappedStream extends InputStream {
        private final long blockSize = image.blockSize();
        private long position;
        private long limit = size;
        /** The first extent that may contain {@link #position}. */
        private int extent;

        void seek(long newPosition, long newLimit) {
            if (newPosition < position) {
                extent = 0;
            }
            position = newPosition;
            limit = newLimit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position >= limit) {
                return -1;
            }
            int n = (int) Math.min(len, limit - position);
            while (extent < map.count() && (map.logical(extent) + map.length(extent)) * blockSize <= position) {
                extent++;
            }
            long start = extent < map.count() ? map.logical(extent) * blockSize : Long.MAX_VALUE;
            if (start <= position) {
                long end = (map.logical(extent) + map.length(extent)) * blockSize;
                n = (int) Math.min(n, end - position);
                if (map.initialized(extent)) {
                    image.read(map.physical(extent) * blockSize + (position - start), ByteBuffer.wrap(b, off, n));
                } else {
                    Arrays.fill(b, off, off + n, (byte) 0);
                }
            } else {
                n = (int) Math.min(n, start - position);
                Arrays.fill(b, off, off + n, (byte) 0);
            }
            position += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, limit - position));
            position += skipped;
            return skipped;
        }
    }

    private final class RegionStream extends InputStream {
        private final List<DataRegion> regions;
        private final MappedStream data = new MappedStream();
        private int next;

        RegionStream(List<DataRegion> regions) {
            this.regions = regions;
            data.seek(0, 0);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                int n = data.read(b, off, len);
                if (n != -1 || next == regions.size()) {
                    return n;
                }
                DataRegion r = regions.get(next++);
                data.seek(r.offset(), r.offset() + r.length());
            }
        }
    }
}
