package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.io.ChunkPipe;
import dev.kiln.io.Streams;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streaming reader for an uncompressed tar archive: ustar, v7, GNU (long names 'L'/'K', old
 * sparse 'S', base-256 numbers) and PAX (per-file and global headers, {@code hdrcharset=BINARY},
 * SCHILY/LIBARCHIVE xattrs, SCHILY ACLs, GNU sparse 0.0, 0.1 and 1.0).
 *
 * <p>Paths come out normalized (see {@link Entry}); an entry escaping the root is an error.
 * Errors are {@link KilnException}s that start with the label and the entry's path. An archive
 * may end without end-of-archive blocks and without padding after the last entry's data (as
 * umoci insert writes them); the data itself must be complete. When the archive ends, the rest
 * of the input is read to its end so that whatever wraps it (a digest check, gzip's CRC, a tar
 * process's exit status) gets to verify it.
 */
public final class TarReader implements EntryStream {
    private static final int BLOCK = TarHeader.BLOCK;
    /** PAX and GNU long-name data is held in memory; bound it against corrupt size fields. */
    private static final long MAX_META_SIZE = 16L << 20;

    private final InputStream in;
    private final String label;
    private final byte[] block = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    private final List<byte[][]> globalRecords = new ArrayList<>();

    private long position;
    private boolean sawHeader;
    private boolean inputEnded;
    private boolean finished;
    private Exception failure;
    private String lastPath = "";
    private Content current;

    /**
     * @param in    the uncompressed tar stream; closed by {@link #close()}
     * @param label what the archive is, for error messages ("sha256:ab12..", "tar:rootfs.tar")
     */
    public TarReader(InputStream in, String label) {
        this.in = (in instanceof BufferedInputStream || in instanceof ByteArrayInputStream
                || in instanceof ChunkPipe) ? in : new BufferedInputStream(in, 64 * 1024);
        this.label = label;
    }

    @Override
    public Entry next() throws IOException {
        if (failure != null) {
            throw rethrow(failure);
        }
        try {
            return advance();
        } catch (FormatException e) {
            // Corrupt compressed data often decodes to garbage before the decompressor notices
            // (a gzip CRC comes at the end): report the input's own error when it has one.
            Exception cause = e;
            try {
                drain();
            } catch (IOException | RuntimeException inputError) {
                inputError.addSuppressed(e);
                cause = inputError;
            }
            failure = cause;
            throw rethrow(cause);
        } catch (IOException | RuntimeException e) {
            failure = e;
            throw e;
        }
    }

    private static IOException rethrow(Exception e) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        return (IOException) e;
    }

    @Override
    public void close() throws IOException {
        finished = true;
        in.close();
    }

    private Entry advance() throws IOException {
        if (finished) {
            return null;
        }
        finishCurrent();
        List<byte[][]> records = new ArrayList<>();
        byte[] longName = null;
        byte[] longLink = null;
        while (true) {
            TarHeader h = readHeader();
            if (h == null) {
                drain();
                finished = true;
                return null;
            }
            switch (h.type) {
                case 'x', 'X' -> records.addAll(paxRecords(h));
                case 'g' -> globalRecords.addAll(paxRecords(h));
                case 'L' -> longName = TarHeader.string(readMeta(h), 0, Integer.MAX_VALUE >> 1);
                case 'K' -> longLink = TarHeader.string(readMeta(h), 0, Integer.MAX_VALUE >> 1);
                case 'V' -> skipMeta(h); // GNU volume label: not a file
                default -> {
                    return entry(h, records, longName, longLink);
                }
            }
        }
    }

    private Entry entry(TarHeader h, List<byte[][]> records, byte[] longName, byte[] longLink) throws IOException {
        PaxRecords pax = new PaxRecords();
        byte[] rawName = longName != null ? longName : h.name();
        try {
            for (byte[][] r : globalRecords) {
                pax.apply(r[0], r[1]);
            }
            for (byte[][] r : records) {
                pax.apply(r[0], r[1]);
            }
        } catch (IllegalArgumentException e) {
            throw fail(pax.path != null ? pax.path : rawName, e.getMessage());
        }
        if (pax.path != null) {
            rawName = pax.path;
        }
        if (pax.isSparse() && pax.sparseName != null) {
            rawName = pax.sparseName;
        }
        lastPath = display(rawName);
        try {
            return build(h, pax, rawName, longLink);
        } catch (TarHeader.BadHeader e) {
            throw fail(rawName, e.getMessage());
        }
    }

    private Entry build(TarHeader h, PaxRecords pax, byte[] rawName, byte[] longLink)
            throws IOException, TarHeader.BadHeader {
        long dataSize = pax.size != null ? pax.size : h.size();
        if (dataSize < 0) {
            throw fail(rawName, "negative size");
        }
        EntryType type;
        switch (h.type) {
            case '0', '7', 'S' -> type = EntryType.FILE;
            case 0 -> type = rawName.length > 0 && rawName[rawName.length - 1] == '/'
                    ? EntryType.DIRECTORY : EntryType.FILE;
            case '1' -> type = EntryType.HARDLINK;
            case '2' -> type = EntryType.SYMLINK;
            case '3' -> type = EntryType.CHARACTER_DEVICE;
            case '4' -> type = EntryType.BLOCK_DEVICE;
            case '5', 'D' -> type = EntryType.DIRECTORY; // 'D': GNU dumpdir, its data is a listing
            case '6' -> type = EntryType.FIFO;
            default -> throw fail(rawName, "unsupported tar entry type '" + printable(h.type) + "'");
        }
        // Like Go's archive/tar: links, devices, FIFOs and directories (other than 'D') carry no data.
        if (h.type >= '1' && h.type <= '6') {
            dataSize = 0;
        }
        byte[] path = normalize(rawName);
        if (path == null) {
            throw fail(rawName, "path escapes the root");
        }
        if (path.length == 0 && type != EntryType.DIRECTORY) {
            throw fail(rawName, "the root entry is not a directory");
        }

        // Old GNU sparse extension blocks sit between the header and the data.
        long[][] gnuSparse = h.type == 'S' ? readGnuSparseMap(h, rawName) : null;

        current = new Content(dataSize, rawName);
        byte[] linkTarget = null;
        if (type == EntryType.HARDLINK) {
            byte[] rawLink = pax.linkPath != null ? pax.linkPath : longLink != null ? longLink : h.linkName();
            linkTarget = normalize(rawLink);
            if (linkTarget == null || linkTarget.length == 0) {
                throw fail(rawName, "hard link target " + display(rawLink) + " escapes the root");
            }
        } else if (type == EntryType.SYMLINK) {
            linkTarget = pax.linkPath != null ? pax.linkPath : longLink != null ? longLink : h.linkName();
        }

        long size = 0;
        InputStream content = null;
        if (type == EntryType.FILE) {
            size = dataSize;
            content = current;
            if (gnuSparse != null) {
                size = h.gnuRealSize();
                content = sparse(rawName, gnuSparse, size, dataSize);
            } else if (pax.isSparse()) {
                if (pax.sparseRealSize == null) {
                    throw fail(rawName, "sparse file without GNU.sparse.realsize");
                }
                size = pax.sparseRealSize;
                content = sparse(rawName, paxSparseMap(pax, rawName), size, -1);
            }
        }

        long[] mtime = pax.mtime != null ? pax.mtime : new long[] {h.mtime(), 0};
        int devMajor = pax.devMajor != null ? pax.devMajor : h.devMajor();
        int devMinor = pax.devMinor != null ? pax.devMinor : h.devMinor();
        if (type != EntryType.CHARACTER_DEVICE && type != EntryType.BLOCK_DEVICE) {
            devMajor = 0;
            devMinor = 0;
        }
        Map<String, byte[]> xattrs = new TreeMap<>(pax.xattrs);
        int mode = h.mode();
        try {
            if (pax.aclAccess != null && !xattrs.containsKey("system.posix_acl_access")) {
                byte[] acl = AclText.toXattr(pax.aclAccess);
                xattrs.put("system.posix_acl_access", acl);
                // libarchive records the owning group's bits in the mode; on a real file (and in
                // what extracting it would give) the group bits show the ACL mask.
                int mask = AclText.maskPerm(acl);
                if (mask >= 0) {
                    mode = (mode & ~0070) | (mask << 3);
                }
            }
            if (pax.aclDefault != null) {
                xattrs.putIfAbsent("system.posix_acl_default", AclText.toXattr(pax.aclDefault));
            }
        } catch (IllegalArgumentException e) {
            throw fail(rawName, e.getMessage());
        }
        return new Entry(path, type, mode, pax.uid != null ? pax.uid : h.uid(),
                pax.gid != null ? pax.gid : h.gid(), mtime[0], (int) mtime[1],
                xattrs.isEmpty() ? Map.of() : Collections.unmodifiableMap(xattrs),
                linkTarget, devMajor, devMinor, size, content);
    }

    /**
     * The entry's content as a {@link SparseContent}: its regions and the stored data, so that
     * consumers can skip holes; read as a stream it still yields every byte.
     */
    private InputStream sparse(byte[] rawName, long[][] map, long realSize, long storedSize) throws IOException {
        long stored = storedSize >= 0 ? storedSize : current.remaining;
        List<SparseContent.Region> regions = new ArrayList<>(map[0].length);
        long mapped = 0;
        for (int i = 0; i < map[0].length; i++) {
            regions.add(new SparseContent.Region(map[0][i], map[1][i]));
            mapped += map[1][i];
        }
        String problem = SparseContent.problem(realSize, regions);
        if (problem == null && mapped != stored) {
            problem = "corrupt sparse map (maps " + mapped + " bytes, archive stores " + stored + ")";
        }
        if (problem != null) {
            throw fail(rawName, problem);
        }
        return new SparseContent(realSize, regions, current);
    }

    /** The 4 entries in the 'S' header, then 21 per extension block while the extended flag is set. */
    private long[][] readGnuSparseMap(TarHeader h, byte[] rawName) throws IOException, TarHeader.BadHeader {
        List<long[]> entries = new ArrayList<>();
        readSparseEntries(h.block, 386, 4, entries);
        boolean extended = h.gnuIsExtended();
        while (extended) {
            if (readBlock() < BLOCK) {
                throw fail(rawName, "truncated tar: archive ends inside this entry's sparse map");
            }
            readSparseEntries(block, 0, 21, entries);
            extended = block[504] != 0;
        }
        return toMap(entries);
    }

    private static void readSparseEntries(byte[] b, int off, int count, List<long[]> out) throws TarHeader.BadHeader {
        for (int i = 0; i < count; i++) {
            int e = off + i * 24;
            if (b[e] == 0) {
                return; // as GNU and BSD tar: the first empty offset ends this block's list
            }
            out.add(new long[] {TarHeader.number(b, e, 12), TarHeader.number(b, e + 12, 12)});
        }
    }

    private long[][] paxSparseMap(PaxRecords pax, byte[] rawName) throws IOException {
        List<long[]> entries = new ArrayList<>();
        if (pax.sparseMajor != null && pax.sparseMajor == 1) {
            // 1.0: decimal lines at the start of the data (count, then offset/length pairs), block-padded.
            long count = sparseNumber(rawName);
            if (count < 0 || count > current.remaining / 4) {
                throw fail(rawName, "corrupt sparse map (" + count + " entries)");
            }
            for (long i = 0; i < count; i++) {
                entries.add(new long[] {sparseNumber(rawName), sparseNumber(rawName)});
            }
            current.skip(current.consumed % BLOCK == 0 ? 0 : BLOCK - current.consumed % BLOCK);
        } else if (pax.sparseMap != null) {
            String[] parts = pax.sparseMap.split(",", -1);
            if (parts.length % 2 != 0) {
                throw fail(rawName, "corrupt sparse map (odd GNU.sparse.map)");
            }
            try {
                for (int i = 0; i < parts.length; i += 2) {
                    entries.add(new long[] {Long.parseLong(parts[i].trim()), Long.parseLong(parts[i + 1].trim())});
                }
            } catch (NumberFormatException e) {
                throw fail(rawName, "corrupt sparse map (bad GNU.sparse.map)");
            }
        } else {
            if (pax.sparseOffsets.size() != pax.sparseNumBytes.size()) {
                throw fail(rawName, "corrupt sparse map (unpaired GNU.sparse.offset/numbytes)");
            }
            for (int i = 0; i < pax.sparseOffsets.size(); i++) {
                entries.add(new long[] {pax.sparseOffsets.get(i), pax.sparseNumBytes.get(i)});
            }
        }
        return toMap(entries);
    }

    private long sparseNumber(byte[] rawName) throws IOException {
        long x = 0;
        int digits = 0;
        while (true) {
            int c = current.read();
            if (c == '\n' && digits > 0) {
                return x;
            }
            if (c < '0' || c > '9' || digits >= 18) {
                throw fail(rawName, "corrupt sparse map in the entry's data");
            }
            x = x * 10 + (c - '0');
            digits++;
        }
    }

    private static long[][] toMap(List<long[]> entries) {
        long[][] map = new long[2][entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            map[0][i] = entries.get(i)[0];
            map[1][i] = entries.get(i)[1];
        }
        return map;
    }

    /** Skips what the consumer left of the previous entry's data, and the padding after it. */
    private void finishCurrent() throws IOException {
        if (current == null) {
            return;
        }
        Content c = current;
        current = null;
        c.skip(c.remaining);
        c.valid = false;
        skipPadding(c.consumed);
    }

    /** Padding may be missing at the very end of the input (umoci insert): that ends the archive. */
    private void skipPadding(long dataSize) throws IOException {
        long pad = (BLOCK - dataSize % BLOCK) % BLOCK;
        while (pad > 0) {
            int n = in.read(scratch, 0, (int) pad);
            if (n < 0) {
                inputEnded = true;
                return;
            }
            position += n;
            pad -= n;
        }
    }

    private int readBlock() throws IOException {
        int got = 0;
        while (got < BLOCK) {
            int n = in.read(block, got, BLOCK - got);
            if (n < 0) {
                inputEnded = true;
                break;
            }
            got += n;
        }
        position += got;
        return got;
    }

    /** The next header, or null at the end of the archive (zero block or end of input). */
    private TarHeader readHeader() throws IOException {
        if (inputEnded) {
            return null;
        }
        long at = position;
        int got = readBlock();
        if (got == 0) {
            return null;
        }
        if (got < BLOCK) {
            throw new FormatException(label + ": truncated tar: archive ends inside a header" + after());
        }
        try {
            TarHeader h = TarHeader.parse(block);
            sawHeader = sawHeader || h != null;
            return h;
        } catch (TarHeader.BadHeader e) {
            if (!sawHeader && at == 0) {
                throw new FormatException(label + ": not a tar archive (" + e.getMessage() + " in the first block)");
            }
            throw new FormatException(label + ": corrupt tar header at byte " + at + after() + ": " + e.getMessage());
        }
    }

    private String after() {
        return lastPath.isEmpty() ? "" : " (after " + lastPath + ")";
    }

    private List<byte[][]> paxRecords(TarHeader h) throws IOException {
        byte[] data = readMeta(h);
        try {
            return PaxRecords.split(data);
        } catch (IllegalArgumentException e) {
            throw new FormatException(label + ": corrupt PAX header" + after() + ": " + e.getMessage());
        }
    }

    private byte[] readMeta(TarHeader h) throws IOException {
        long size;
        try {
            size = h.size();
        } catch (TarHeader.BadHeader e) {
            throw new FormatException(label + ": corrupt tar header" + after() + ": " + e.getMessage());
        }
        if (size > MAX_META_SIZE) {
            throw new FormatException(label + ": '" + printable(h.type) + "' header of " + size + " bytes" + after()
                    + " exceeds the limit of " + MAX_META_SIZE);
        }
        byte[] data = new byte[(int) size];
        int got = 0;
        while (got < data.length) {
            int n = in.read(data, got, data.length - got);
            if (n < 0) {
                throw new FormatException(label + ": truncated tar: archive ends inside a '"
                        + printable(h.type) + "' header" + after());
            }
            got += n;
            position += n;
        }
        skipPadding(size);
        return data;
    }

    private void skipMeta(TarHeader h) throws IOException {
        Content c = new Content(sizeOf(h), h.name());
        current = c;
        finishCurrent();
    }

    private long sizeOf(TarHeader h) {
        try {
            return h.size();
        } catch (TarHeader.BadHeader e) {
            throw new FormatException(label + ": corrupt tar header" + after() + ": " + e.getMessage());
        }
    }

    /** Reads the input to its end, so wrappers verify digests, CRCs and exit statuses. */
    private void drain() throws IOException {
        while (in.read(scratch) >= 0) {
            // discard: zero blocks and record padding
        }
        inputEnded = true;
    }

    private KilnException fail(byte[] rawName, String message) {
        return new FormatException(label + ": " + display(rawName) + ": " + message);
    }

    static String display(byte[] raw) {
        return new String(raw, StandardCharsets.UTF_8);
    }

    private static String printable(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("\\x%02x", type & 0xff);
    }

    /**
     * Normalizes a raw tar path: drops leading "/", "." and empty components, resolves "..".
     * Returns null when ".." would leave the root, the empty array for the root itself.
     */
    static byte[] normalize(byte[] raw) {
        byte[] out = new byte[raw.length];
        int[] starts = new int[raw.length / 2 + 2];
        int depth = 0;
        int len = 0;
        int i = 0;
        while (i <= raw.length) {
            int j = i;
            while (j < raw.length && raw[j] != '/') {
                j++;
            }
            int n = j - i;
            if (n == 0 || (n == 1 && raw[i] == '.')) {
                // empty or "." component
            } else if (n == 2 && raw[i] == '.' && raw[i + 1] == '.') {
                if (depth == 0) {
                    return null;
                }
                depth--;
                len = depth == 0 ? 0 : starts[depth] - 1;
            } else {
                if (depth > 0) {
                    out[len++] = '/';
                }
                starts[depth++] = len;
                System.arraycopy(raw, i, out, len, n);
                len += n;
            }
            i = j + 1;
        }
        return len == out.length ? out : Arrays.copyOf(out, len);
    }

    /** A problem in the archive itself, as opposed to one the input stream reported. */
    private static final class FormatException extends KilnException {
        FormatException(String message) {
            super(message);
        }
    }

    /** The current entry's data, bounded by its size; invalid once the reader advances. */
    private final class Content extends InputStream {
        private final byte[] rawName;
        long remaining;
        long consumed;
        boolean valid = true;

        Content(long size, byte[] rawName) {
            this.remaining = size;
            this.rawName = rawName;
        }

        @Override
        public int read() throws IOException {
            return Streams.readOneByte(this);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!valid) {
                throw new IllegalStateException(display(rawName) + ": content read after the tar reader moved on");
            }
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                inputEnded = true;
                KilnException e = fail(rawName, "truncated tar: archive ends inside this entry's data");
                failure = e;
                throw e;
            }
            remaining -= n;
            consumed += n;
            position += n;
            return n;
        }

        /** Skips exactly n bytes by reading them: skip() on files can seek past the end unnoticed. */
        @Override
        public long skip(long n) throws IOException {
            long left = Math.min(n, remaining);
            long done = 0;
            while (left > 0) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, left));
                left -= r;
                done += r;
            }
            return done;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(remaining, in.available());
        }

        @Override
        public void close() {
            // The archive stream stays open; the reader skips what is left.
        }
    }
}
