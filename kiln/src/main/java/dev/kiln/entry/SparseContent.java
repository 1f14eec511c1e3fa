package dev.kiln.entry;

import dev.kiln.io.Streams;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;

/**
 * The content of a file with holes: where its data lies ({@link #regions()}, in order) and the
 * bytes of those regions back to back ({@link #data()}); everything else reads as zeros.
 *
 * <p>Read as an ordinary stream it yields every byte of the file, zeros in the holes, so a
 * consumer that knows nothing of holes still gets the file right (only slowly), and
 * {@link #skip} passes a hole without touching it. Consumers that keep holes (the ext4 writer,
 * the spool, the tar writer) take the regions and {@link #data()} instead and never look at a
 * hole: a 1 PiB file with a few bytes of data costs them a few bytes. Use one view or the
 * other, not both.
 *
 * <p>Any source can make one: the tar reader from GNU sparse maps, the spool from what it kept,
 * an ext4 reader from a file's extents.
 */
public final class SparseContent extends InputStream {
    /** {@code length} bytes of data from byte {@code offset} of the file. */
    public record Region(long offset, long length) {
    }

    private final long size;
    private final List<Region> regions;
    private final InputStream data;
    private final long dataSize;
    private long position;
    private int region;

    /**
     * @param size    the file's size, holes included
     * @param regions the data regions, in increasing order, not overlapping, within the file
     *                ({@link #problem} says what is wrong with a map that is not)
     * @param data    exactly the regions' bytes, back to back
     */
    public SparseContent(long size, List<Region> regions, InputStream data) {
        String problem = problem(size, regions);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.size = size;
        this.regions = List.copyOf(regions);
        this.data = data;
        this.dataSize = regions.stream().mapToLong(Region::length).sum();
    }

    /** Null when the map fits a file of this size, else what is wrong with it. */
    public static String problem(long size, List<Region> regions) {
        if (size < 0) {
            return "negative sparse file size";
        }
        long end = 0;
        for (int i = 0; i < regions.size(); i++) {
            Region r = regions.get(i);
            if (r.offset() < end || r.length() < 0 || r.offset() > size || r.length() > size - r.offset()) {
                return "corrupt sparse map (entry " + i + ": offset " + r.offset() + ", length " + r.length() + ")";
            }
            end = r.offset() + r.length();
        }
        return null;
    }

    /** The file's size, holes included. */
    public long size() {
        return size;
    }

    public List<Region> regions() {
        return regions;
    }

    /** How many bytes {@link #data()} holds. */
    public long dataSize() {
        return dataSize;
    }

    /** True when some of the file is not covered by a region. */
    public boolean hasHoles() {
        return dataSize < size;
    }

    /** The regions' bytes back to back (for consumers that keep holes); exactly {@link #dataSize()} bytes. */
    public InputStream data() {
        return data;
    }

    @Override
    public int read() throws IOException {
        return Streams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (position >= size) {
            return -1;
        }
        Region r = currentRegion();
        if (r != null && position >= r.offset()) {
            int want = (int) Math.min(len, r.offset() + r.length() - position);
            int n = data.read(b, off, want);
            if (n < 0) {
                throw new EOFException("sparse file data ended " + (r.offset() + r.length() - position)
                        + " bytes before its region ends");
            }
            position += n;
            return n;
        }
        int n = (int) Math.min(len, holeEnd(r) - position);
        Arrays.fill(b, off, off + n, (byte) 0);
        position += n;
        return n;
    }

    /** Passes holes without reading; data is read through (its bytes must still be consumed). */
    @Override
    public long skip(long n) throws IOException {
        long target = Math.min(size, position + Math.max(0, n));
        long start = position;
        while (position < target) {
            Region r = currentRegion();
            if (r != null && position >= r.offset()) {
                long step = Math.min(target, r.offset() + r.length()) - position;
                data.skipNBytes(step);
                position += step;
            } else {
                position = Math.min(target, holeEnd(r));
            }
        }
        return position - start;
    }

    /** The first region that ends after the current position, or null. */
    private Region currentRegion() {
        while (region < regions.size()
                && regions.get(region).offset() + regions.get(region).length() <= position) {
            region++;
        }
        return region < regions.size() ? regions.get(region) : null;
    }

    private long holeEnd(Region next) {
        return next != null ? next.offset() : size;
    }

    @Override
    public void close() throws IOException {
        data.close();
    }
}
