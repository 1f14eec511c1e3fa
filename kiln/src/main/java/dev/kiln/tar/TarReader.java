package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.LimitExceeded;
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
import java.util.HashMap;
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

    // What the reader holds in memory for one entry is bounded; a header beyond a limit fails the
    // read naming the entry and the limit. Each limit is far above what real images need: Go's
    // archive/tar (Docker, containerd, umoci) refuses PAX headers and GNU long names over 1 MiB,
    // and Linux xattrs (the bulk of a PAX header) are at most 64 KiB each.
    /** One per-file PAX header ('x'); a later one replaces an earlier one, so one is held at a time. */
    static final long MAX_PAX_HEADER = 8L << 20;
    /** All global PAX records ('g') in force, merged per keyword. */
    static final long MAX_GLOBAL_PAX = 1L << 20;
    /** One GNU long name ('L') or long link target ('K'). */
    static final long MAX_LONG_NAME = 1L << 20;
    // The fourth limit, on sparse maps, is SparseMap.MAX_SEGMENTS.

    private final InputStream in;
    private final String label;
    private final byte[] block = new byte[BLOCK];
    private final byte[] scratch = new byte[64 * 1024];
    /** The size of each global PAX record in force, by keyword, to bound them all. */
    private final Map<String, Integer> globalSizes = new HashMap<>();
    private long globalBytes;
    /** The global PAX records in force, applied as they come: the starting point of every entry. */
    private PaxRecords globals;

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
        } catch (FormatException | LimitExceeded e) {
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
        List<byte[][]> records = null;
        byte[] longName = null;
        byte[] longLink = null;
        String pending = null;
        while (true) {
            long at = position;
            TarHeader h = readHeader();
            if (h == null) {
                if (pending != null) {
                    // GNU tar and Go drop such a header silently; bsdtar calls the archive damaged.
                    throw new FormatException(label + ": truncated tar: archive ends after a " + pending
                            + ", before the entry it describes" + after());
                }
                drain();
                finished = true;
                return null;
            }
            switch (h.type) {
                case 'x', 'X' -> {
                    // A later per-file header replaces an earlier one, as GNU tar reads them.
                    records = paxRecords(h, at, MAX_PAX_HEADER, "PAX header");
                    pending = "PAX header";
                }
                case 'g' -> setGlobals(paxRecords(h, at, MAX_GLOBAL_PAX, "global PAX header"), at);
                case 'L' -> {
                    longName = longName(h, at, "GNU long name");
                    pending = "GNU long name";
                }
                case 'K' -> {
                    longLink = longName(h, at, "GNU long link");
                    pending = "GNU long link";
                }
                case 'V' -> skipMeta(h); // GNU volume label: not a file
                default -> {
                    return entry(h, records, longName, longLink);
                }
            }
        }
    }

    /**
     * Applies one global header to the global state once, here, rather than to every entry. POSIX: a global value holds until a later global header
     * gives the same keyword another value. (GNU tar drops all earlier global values at each
     * global header; bsdtar and Go ignore global headers.)
     */
    private void setGlobals(List<byte[][]> records, long at) {
        for (byte[][] r : records) {
            Integer old = globalSizes.put(new String(r[0], StandardCharsets.ISO_8859_1), r[0].length + r[1].length);
            globalBytes += r[0].length + r[1].length - (old == null ? 0 : old);
        }
        if (globalBytes > MAX_GLOBAL_PAX) {
            throw new FormatException(label + ": global PAX header at byte " + at + ": the global records in force"
                    + " hold " + globalBytes + " bytes, more than the limit of " + limit(MAX_GLOBAL_PAX));
        }
        if (globals == null) {
            globals = new PaxRecords();
        }
        try {
            for (byte[][] r : records) {
                globals.apply(r[0], r[1]);
            }
        } catch (IllegalArgumentException e) {
            throw new FormatException(label + ": global PAX header at byte " + at + after() + ": " + e.getMessage());
        }
    }

    private Entry entry(TarHeader h, List<byte[][]> records, byte[] longName, byte[] longLink) throws IOException {
        PaxRecords pax = globals == null ? new PaxRecords() : globals.copy();
        byte[] rawName = longName != null ? longName : h.name();
        if (records != null) {
            try {
                for (byte[][] r : records) {
                    pax.apply(r[0], r[1]);
                }
            } catch (IllegalArgumentException e) {
                throw fail(pax.path != null ? pax.path : rawName, e.getMessage());
            }
        }
        if (pax.path != null) {
            rawName = pax.path;
        }
        if (pax.isSparse() && pax.sparseName != null) {
            rawName = pax.sparseName;
        }
        lastPath = Display.name(rawName);
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
            case '0', 0, '7', 'S' -> {
                // A regular file named like a directory: GNU tar and bsdtar read a directory
                // (Go only for type NUL). Kiln too, when it holds no data; with data, tools
                // disagree and call the archive damaged, so it is refused.
                boolean slash = rawName.length > 0 && rawName[rawName.length - 1] == '/';
                if (slash && (dataSize > 0 || h.type == '7' || h.type == 'S')) {
                    throw fail(rawName, "a regular file with a directory's name (ending in '/')");
                }
                type = slash ? EntryType.DIRECTORY : EntryType.FILE;
            }
            case '1' -> type = EntryType.HARDLINK;
            case '2' -> type = EntryType.SYMLINK;
            case '3' -> type = EntryType.CHARACTER_DEVICE;
            case '4' -> type = EntryType.BLOCK_DEVICE;
            case '5', 'D' -> type = EntryType.DIRECTORY; // 'D': GNU dumpdir, its data is a listing
            case '6' -> type = EntryType.FIFO;
            default -> throw fail(rawName, "unsupported tar entry type '" + Display.typeflag(h.type) + "'");
        }
        // Links, devices and FIFOs carry no data (POSIX, Go), but GNU tar skips as much data as
        // their size field says: with a size, the two would read different entries after it.
        if (h.type >= '1' && h.type <= '6' && h.type != '5' && dataSize != 0) {
            throw fail(rawName, "a " + type.toString().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                    + " entry with data (size " + dataSize + ")");
        }
        // Directories (other than 'D') carry no data, whatever their size field says (GNU tar too).
        if (h.type == '5') {
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
            if (linkTarget == null) {
                throw fail(rawName, "hard link target " + Display.name(rawLink) + " escapes the root");
            }
            if (linkTarget.length == 0) {
                throw fail(rawName, rawLink.length == 0 ? "hard link without a target"
                        : "hard link to the root directory (" + Display.name(rawLink) + ")");
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
        int devMajor = 0;
        int devMinor = 0;
        // Like GNU tar, only device entries have their device fields decoded.
        if (type == EntryType.CHARACTER_DEVICE || type == EntryType.BLOCK_DEVICE) {
            devMajor = deviceNumber(rawName, "major", pax.devMajor != null ? pax.devMajor : h.devMajor());
            devMinor = deviceNumber(rawName, "minor", pax.devMinor != null ? pax.devMinor : h.devMinor());
        }
        long uid = pax.uid != null ? pax.uid : h.uid();
        long gid = pax.gid != null ? pax.gid : h.gid();
        if (uid < 0 || gid < 0) {
            throw fail(rawName, "negative " + (uid < 0 ? "uid " + uid : "gid " + gid));
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
        return new Entry(path, type, mode, uid, gid, mtime[0], (int) mtime[1],
                xattrs.isEmpty() ? Map.of() : Collections.unmodifiableMap(xattrs),
                linkTarget, devMajor, devMinor, size, content);
    }

    /** Device numbers are never cut to fit: a wrapped number would name another device. */
    private int deviceNumber(byte[] rawName, String which, long value) {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw fail(rawName, "device " + which + " number " + value + " is out of range");
        }
        return (int) value;
    }

    /**
     * The entry's content as a {@link SparseContent}: its regions and the stored data, so that
     * consumers can skip holes; read as a stream it still yields every byte.
     */
    private InputStream sparse(byte[] rawName, long[][] map, long realSize, long storedSize) throws IOException {
        long stored = storedSize >= 0 ? storedSize : current.remaining;
        int last = map[0].length - 1;
        if (last >= 0 && map[1][last] == 0 && map[0][last] != realSize) {
            // GNU tar ends a map with an empty segment at the real size, and extracts the file to
            // that length whatever the size record says (while listing the record's size).
            throw fail(rawName, "corrupt sparse map (it ends at " + map[0][last] + ", the real size is " + realSize + ")");
        }
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
        SparseMap map = new SparseMap();
        try {
            map.addGnuEntries(h.block, 386, 4);
            boolean extended = h.gnuIsExtended();
            while (extended) {
                if (readBlock() < BLOCK) {
                    throw fail(rawName, "truncated tar: archive ends inside this entry's sparse map");
                }
                map.addGnuEntries(block, 0, 21);
                extended = block[504] != 0;
            }
        } catch (IllegalArgumentException e) {
            throw fail(rawName, e.getMessage());
        }
        return map.toArrays();
    }

    private long[][] paxSparseMap(PaxRecords pax, byte[] rawName) throws IOException {
        try {
            if (pax.sparseMajor == null || pax.sparseMajor != 1) {
                return SparseMap.fromPax(pax);
            }
            // 1.0: decimal lines at the start of the data (count, then offset/length pairs), block-padded.
            long count = sparseNumber(rawName);
            if (count > SparseMap.MAX_SEGMENTS) {
                throw SparseMap.overLimit(count);
            }
            if (count > current.remaining / 4) {
                throw fail(rawName, "corrupt sparse map (" + count + " entries)");
            }
            SparseMap map = new SparseMap();
            for (long i = 0; i < count; i++) {
                map.add(sparseNumber(rawName), sparseNumber(rawName));
            }
            current.skip(current.consumed % BLOCK == 0 ? 0 : BLOCK - current.consumed % BLOCK);
            return map.toArrays();
        } catch (IllegalArgumentException e) {
            throw fail(rawName, e.getMessage());
        }
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
            int n = read(scratch, 0, (int) pad);
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
            int n = read(block, got, BLOCK - got);
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
            if (at == 0) {
                // GNU tar refuses it too; an empty archive is two zero blocks.
                throw new FormatException(label + ": empty input, not a tar archive");
            }
            return null;
        }
        if (got < BLOCK) {
            throw new FormatException(label + ": truncated tar: archive ends inside a header" + after());
        }
        try {
            TarHeader h = TarHeader.parse(block);
            sawHeader = sawHeader || h != null;
            if (h == null && !endFollows()) {
                // GNU tar warns and reads on, Go fails: the block may be a damaged header, and
                // stopping here would drop every entry after it without a word.
                throw new FormatException(label + ": damaged tar: a lone zero block at byte " + at + after()
                        + " is followed by more entries");
            }
            return h;
        } catch (TarHeader.BadHeader e) {
            if (!sawHeader && at == 0) {
                throw new FormatException(label + ": not a tar archive (" + e.getMessage() + " in the first block)");
            }
            throw new FormatException(label + ": corrupt tar header at byte " + at + after() + ": " + e.getMessage());
        }
    }

    /**
     * After one zero block: whether the archive ends, with a second zero block or the end of
     * the input. What follows the two end blocks is not read as entries (GNU tar ignores it too).
     */
    private boolean endFollows() throws IOException {
        int got = readBlock();
        for (int i = 0; i < got; i++) {
            if (block[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private String after() {
        return lastPath.isEmpty() ? "" : " (after " + lastPath + ")";
    }

    private List<byte[][]> paxRecords(TarHeader h, long at, long limit, String what) throws IOException {
        byte[] data = readMeta(h, at, limit, what, false);
        try {
            return PaxRecords.split(data);
        } catch (IllegalArgumentException e) {
            throw new FormatException(label + ": corrupt " + what + " at byte " + at + after() + ": " + e.getMessage());
        }
    }

    /**
     * A GNU long name or link target. GNU tar reads the data with its block padding and cuts at
     * the first NUL: a name without its terminating NUL runs on into non-zero padding bytes, and
     * is read here as GNU tar lists it.
     */
    private byte[] longName(TarHeader h, long at, String what) throws IOException {
        byte[] data = readMeta(h, at, MAX_LONG_NAME, what, true);
        return TarHeader.string(data, 0, data.length);
    }

    /** The data of a metadata header (PAX, long name), held in memory: at most {@code limit} bytes. */
    private byte[] readMeta(TarHeader h, long at, long limit, String what, boolean withPadding) throws IOException {
        long size = sizeOf(h, at);
        if (size > limit) {
            throw overLimit(h, at, size, limit, what);
        }
        int wanted = (int) (withPadding ? size + (BLOCK - size % BLOCK) % BLOCK : size);
        byte[] data = new byte[wanted];
        int got = 0;
        while (got < wanted) {
            int n = read(data, got, wanted - got);
            if (n < 0) {
                if (got >= size) {
                    inputEnded = true; // the padding is missing: the archive ends here
                    return Arrays.copyOf(data, got);
                }
                throw new FormatException(label + ": truncated tar: archive ends inside a " + what + after());
            }
            got += n;
            position += n;
        }
        if (!withPadding) {
            skipPadding(size);
        }
        return data;
    }

    /**
     * A metadata header over its limit. The entry it belongs to follows it: skip the data
     * (reading, without keeping it) to name that entry when the archive allows.
     */
    private LimitExceeded overLimit(TarHeader h, long at, long size, long limit, String what) {
        String entry = null;
        if (!what.startsWith("global")) {
            try {
                skipMeta(h);
                entry = nextEntryName();
            } catch (IOException | KilnException e) {
                // name it by position instead
            }
        }
        return entry != null ? LimitExceeded.of(label + ": " + entry, what, size, limit, "bytes")
                : LimitExceeded.of(label, what + " at byte " + at + after(), size, limit, "bytes");
    }

    /** Reads on to the next entry header, skipping metadata headers; its name, or null. */
    private String nextEntryName() throws IOException {
        while (true) {
            TarHeader h = readHeader();
            if (h == null) {
                return null;
            }
            switch (h.type) {
                case 'x', 'X', 'g', 'L', 'K', 'V' -> skipMeta(h);
                default -> {
                    return Display.name(h.name());
                }
            }
        }
    }

    private static String limit(long bytes) {
        return bytes + " bytes (" + (bytes >> 20) + " MiB)";
    }

    private void skipMeta(TarHeader h) throws IOException {
        current = new Content(sizeOf(h, position - BLOCK), h.name());
        finishCurrent();
    }

    private long sizeOf(TarHeader h, long at) {
        try {
            return h.size();
        } catch (TarHeader.BadHeader e) {
            throw new FormatException(label + ": corrupt tar header at byte " + at + after() + ": " + e.getMessage());
        }
    }

    /**
     * Every read of the input. Kiln's own errors (a digest mismatch, corrupt compressed data)
     * already name the input; any other read error gets the label and the position.
     */
    private int read(byte[] b, int off, int len) {
        try {
            return in.read(b, off, len);
        } catch (Decompress.CorruptInput e) {
            // Decompression runs ahead, but its error arrives in order: here is where it struck.
            String where = current != null && current.valid ? ", in " + Display.name(current.rawName)
                    : lastPath.isEmpty() ? "" : ", after " + lastPath;
            Decompress.CorruptInput placed = new Decompress.CorruptInput(e.getMessage() + " (tar byte " + position + where + ")");
            placed.addSuppressed(e);
            throw placed;
        } catch (KilnException e) {
            throw e;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            throw new KilnException(m.startsWith(label + ":") ? m
                    : label + ": read error at byte " + position + after() + ": " + m, e);
        }
    }

    /** Reads the input to its end, so wrappers verify digests, CRCs and exit statuses. */
    private void drain() throws IOException {
        while (read(scratch, 0, scratch.length) >= 0) {
            // discard: zero blocks and record padding
        }
        inputEnded = true;
    }

    private KilnException fail(byte[] rawName, String message) {
        return new FormatException(label + ": " + Display.name(rawName) + ": " + message);
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
                throw new IllegalStateException(Display.name(rawName) + ": content read after the tar reader moved on");
            }
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = TarReader.this.read(b, off, (int) Math.min(len, remaining));
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
