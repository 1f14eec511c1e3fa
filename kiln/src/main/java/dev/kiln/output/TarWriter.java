package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes a {@link SpooledTree} as a POSIX (pax) tar archive, the way {@code crane export}
 * flattens an image: ownership, modes, nanosecond mtimes, hard links, devices and xattrs
 * ({@code SCHILY.xattr.NAME} records).
 *
 * <p>Hand-written because commons-compress encodes pax values as UTF-8 strings, which
 * corrupts binary xattr values (file capabilities, POSIX ACLs). Here a pax record's value is
 * written as raw bytes, and names that are not UTF-8 get {@code hdrcharset=BINARY}.
 * Sockets cannot be stored in tar (GNU tar skips them too); they are reported and skipped.
 *
 * <p>A file with holes ({@link SparseContent}) is written in the PAX form of GNU sparse 1.0,
 * as {@code tar --sparse --format=pax} writes it and GNU tar and bsdtar read it back: its map
 * and data regions only, so holes cost nothing however large.
 */
final class TarWriter {
    private static final int BLOCK = 512;
    /** GNU tar's default record size (blocking factor 20); some readers expect whole records. */
    private static final int RECORD = 20 * BLOCK;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final long MAX_ID = 0xFFFF_FFFFL;

    private final OutputStream out;
    private long written;

    private TarWriter(OutputStream out) {
        this.out = out;
    }

    /** Writes the archive; sockets are skipped and reported to {@code skipped}. */
    static void write(SpooledTree tree, OutputStream out, Consumer<String> skipped) throws IOException {
        TarWriter w = new TarWriter(out);
        IdentityHashMap<SpooledTree.Node, byte[]> firstName = new IdentityHashMap<>();
        tree.walk((path, node) -> {
            if (node.type == EntryType.SOCKET) {
                skipped.accept("/" + CpioWriter.printable(path));
                return;
            }
            checkId(path, "uid", node.uid);
            checkId(path, "gid", node.gid);
            byte[] name = path.length == 0 ? new byte[] {'.', '/'}
                    : node.isDirectory() ? Arrays.copyOf(path, path.length + 1) : path;
            if (node.isDirectory() && path.length > 0) {
                name[path.length] = '/';
            }
            byte[] first = node.isDirectory() ? null : firstName.putIfAbsent(node, path);
            if (first != null) {
                w.entry(name, node, '1', first, 0);
                return;
            }
            switch (node.type) {
                case FILE -> {
                    try (InputStream in = tree.open(node)) {
                        if (in instanceof SparseContent sparse) {
                            w.sparseFile(name, node, sparse);
                        } else {
                            w.entry(name, node, '0', null, node.size);
                            w.data(in, node.size);
                        }
                    }
                }
                case DIRECTORY -> w.entry(name, node, '5', null, 0);
                case SYMLINK -> w.entry(name, node, '2', node.linkTarget, 0);
                case CHARACTER_DEVICE -> w.entry(name, node, '3', null, 0);
                case BLOCK_DEVICE -> w.entry(name, node, '4', null, 0);
                case FIFO -> w.entry(name, node, '6', null, 0);
                default -> throw new IllegalStateException(CpioWriter.printable(path) + ": " + node.type);
            }
        });
        w.finish();
    }

    private void entry(byte[] name, SpooledTree.Node node, char type, byte[] link, long size) throws IOException {
        entry(name, node, type, link, size, List.of(), false);
    }

    /**
     * One header (after a pax header when needed).
     *
     * @param extra  more pax records for this entry
     * @param binary whether {@code extra} holds a name that is not UTF-8 (hdrcharset=BINARY then)
     */
    private void entry(byte[] name, SpooledTree.Node node, char type, byte[] link, long size, List<byte[]> extra,
                       boolean binary) throws IOException {
        List<byte[]> pax = new ArrayList<>(extra);
        byte[] header = new byte[BLOCK];
        if (!putName(header, name)) {
            pax.add(record("path", name));
            put(header, 0, 100, Arrays.copyOf(name, Math.min(name.length, 100)));
            binary |= !isUtf8(name);
        }
        if (link != null) {
            if (link.length > 100) {
                pax.add(record("linkpath", link));
                binary |= !isUtf8(link);
            } else {
                put(header, 157, 100, link);
            }
        }
        if (binary) {
            // Must precede path/linkpath: it says how to read them.
            pax.add(0, record("hdrcharset", "BINARY".getBytes(StandardCharsets.US_ASCII)));
        }
        octal(header, 100, 8, node.mode & 07777);
        numeric(header, 108, 8, node.uid, MAX_OCTAL_7, "uid", pax);
        numeric(header, 116, 8, node.gid, MAX_OCTAL_7, "gid", pax);
        numeric(header, 124, 12, size, MAX_OCTAL_11, "size", pax);
        if (node.nanos != 0 || node.mtime < 0 || node.mtime > MAX_OCTAL_11) {
            pax.add(record("mtime", paxTime(node.mtime, node.nanos).getBytes(StandardCharsets.US_ASCII)));
        }
        octal(header, 136, 12, Math.max(0, Math.min(MAX_OCTAL_11, node.mtime)));
        header[156] = (byte) type;
        put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        if (type == '3' || type == '4') {
            octal(header, 329, 8, node.major);
            octal(header, 337, 8, node.minor);
        }
        for (Map.Entry<String, byte[]> x : node.xattrs.entrySet()) {
            pax.add(record("SCHILY.xattr." + x.getKey(), x.getValue()));
        }
        if (!pax.isEmpty()) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] r : pax) {
                body.write(r);
            }
            byte[] h = new byte[BLOCK];
            put(h, 0, 100, "././@PaxHeader".getBytes(StandardCharsets.US_ASCII));
            octal(h, 100, 8, 0644);
            octal(h, 108, 8, 0);
            octal(h, 116, 8, 0);
            octal(h, 124, 12, body.size());
            octal(h, 136, 12, 0);
            h[156] = 'x';
            put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
            put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
            checksum(h);
            block(h);
            data(new java.io.ByteArrayInputStream(body.toByteArray()), body.size());
        }
        checksum(header);
        block(header);
    }

    /**
     * A sparse file as GNU sparse 1.0: pax records name the file and its size; the header gets a
     * stand-in name (what a reader without sparse support extracts); the data starts with the
     * map in decimal lines ("count", then "offset", "length" per region), padded to a block,
     * followed by the regions' bytes. Like GNU tar, the map always reaches the file's end, with
     * an empty region there when the file ends in a hole.
     *
     * <p>GNU tar reads each region's bytes in whole 512-byte blocks, so a region that is not a
     * multiple of 512 bytes (other than the last) would shift every later one when it extracts;
     * bsdtar reads them back to back. Regions are therefore widened to 512-byte boundaries (the
     * added bytes are the zeros of the holes beside them), which both read the same way.
     */
    private void sparseFile(byte[] name, SpooledTree.Node node, SparseContent sparse) throws IOException {
        List<SparseContent.Region> map = new ArrayList<>();
        for (SparseContent.Region r : sparse.regions()) {
            if (r.length() == 0) {
                continue;
            }
            long start = r.offset() / BLOCK * BLOCK;
            long end = Math.min(node.size, (r.offset() + r.length() + BLOCK - 1) / BLOCK * BLOCK);
            SparseContent.Region last = map.isEmpty() ? null : map.get(map.size() - 1);
            if (last != null && start <= last.offset() + last.length()) {
                map.set(map.size() - 1, new SparseContent.Region(last.offset(),
                        Math.max(end, last.offset() + last.length()) - last.offset()));
            } else {
                map.add(new SparseContent.Region(start, end - start));
            }
        }
        long stored = map.stream().mapToLong(SparseContent.Region::length).sum();
        SparseContent.Region last = map.isEmpty() ? null : map.get(map.size() - 1);
        if (last == null || last.offset() + last.length() < node.size) {
            map.add(new SparseContent.Region(node.size, 0));
        }
        StringBuilder text = new StringBuilder().append(map.size()).append('\n');
        for (SparseContent.Region r : map) {
            text.append(r.offset()).append('\n').append(r.length()).append('\n');
        }
        byte[] mapBytes = text.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] mapBlocks = Arrays.copyOf(mapBytes, (mapBytes.length + BLOCK - 1) / BLOCK * BLOCK);
        List<byte[]> records = List.of(
                record("GNU.sparse.major", ascii("1")),
                record("GNU.sparse.minor", ascii("0")),
                record("GNU.sparse.name", name),
                record("GNU.sparse.realsize", ascii(Long.toString(node.size))));
        entry(standInName(name), node, '0', null, mapBlocks.length + stored, records, !isUtf8(name));
        out.write(mapBlocks);
        written += mapBlocks.length;
        // The widened regions, taken from the whole file's view: skipping a hole there costs nothing.
        long position = 0;
        for (SparseContent.Region r : map) {
            sparse.skipNBytes(r.offset() - position);
            copy(sparse, r.length());
            position = r.offset() + r.length();
        }
        pad(stored);
    }

    /** GNU tar's "%d/GNUSparseFile.%p/%f" with 0 for the process id (output must not vary), cut to 100 bytes. */
    private static byte[] standInName(byte[] name) {
        int slash = name.length - 1;
        while (slash >= 0 && name[slash] != '/') {
            slash--;
        }
        byte[] dir = slash < 0 ? ascii(".") : Arrays.copyOf(name, slash);
        byte[] base = Arrays.copyOfRange(name, slash + 1, name.length);
        byte[] middle = ascii("/GNUSparseFile.0/");
        byte[] full = new byte[dir.length + middle.length + base.length];
        System.arraycopy(dir, 0, full, 0, dir.length);
        System.arraycopy(middle, 0, full, dir.length, middle.length);
        System.arraycopy(base, 0, full, dir.length + middle.length, base.length);
        return Arrays.copyOf(full, Math.min(full.length, 100));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Linux ids are 32-bit: a pax record could say more, but GNU tar refuses it and falls back to
     * the header's 0 (root), so such an id is an error here as in the other outputs.
     */
    private static void checkId(byte[] path, String what, long id) {
        if (id < 0 || id > MAX_ID) {
            throw new KilnException((path.length == 0 ? "/" : CpioWriter.shortened(path)) + ": " + what + " " + id
                    + " is beyond the 32-bit ids Linux has (0.." + MAX_ID + ")");
        }
    }

    /** ustar name, or name split into prefix + name; false if it needs a pax path record. */
    private static boolean putName(byte[] header, byte[] name) {
        if (name.length <= 100) {
            put(header, 0, 100, name);
            return true;
        }
        // Split at a '/' so that prefix <= 155 bytes and the rest is 1..100 bytes.
        for (int i = Math.min(155, name.length - 2); i > 0; i--) {
            if (name[i] == '/' && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
                put(header, 345, 155, Arrays.copyOf(name, i));
                put(header, 0, 100, Arrays.copyOfRange(name, i + 1, name.length));
                return true;
            }
        }
        return false;
    }

    /** One pax record, "LEN key=value\n", where LEN counts the whole record including itself. */
    static byte[] record(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int rest = 1 + k.length + 1 + value.length + 1;
        int len = rest + 1;
        while (len != rest + Integer.toString(len).length()) {
            len = rest + Integer.toString(len).length();
        }
        ByteBuffer b = ByteBuffer.allocate(len);
        b.put(Integer.toString(len).getBytes(StandardCharsets.US_ASCII)).put((byte) ' ').put(k).put((byte) '=')
                .put(value).put((byte) '\n');
        return b.array();
    }

    /** pax time: seconds and an optional fraction; negative times count the fraction forward too. */
    static String paxTime(long seconds, int nanos) {
        if (nanos == 0) {
            return Long.toString(seconds);
        }
        if (seconds >= 0) {
            return seconds + "." + String.format("%09d", nanos);
        }
        // seconds + nanos/1e9 is negative: write it as -(|seconds| - 1).(1e9 - nanos)
        long whole = -(seconds + 1);
        return "-" + whole + "." + String.format("%09d", 1_000_000_000 - nanos);
    }

    private static void numeric(byte[] header, int off, int len, long value, long max, String key, List<byte[]> pax) {
        if (value < 0 || value > max) {
            pax.add(record(key, Long.toString(value).getBytes(StandardCharsets.US_ASCII)));
            octal(header, off, len, 0);
        } else {
            octal(header, off, len, value);
        }
    }

    private static void octal(byte[] header, int off, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(len - 1 - s.length()) + s;
        put(header, off, len - 1, padded.getBytes(StandardCharsets.US_ASCII));
        header[off + len - 1] = 0;
    }

    private static void checksum(byte[] header) {
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        String s = String.format("%06o", sum);
        put(header, 148, 6, s.getBytes(StandardCharsets.US_ASCII));
        header[154] = 0;
        header[155] = ' ';
    }

    private static void put(byte[] header, int off, int len, byte[] value) {
        System.arraycopy(value, 0, header, off, Math.min(len, value.length));
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private void block(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void data(InputStream in, long size) throws IOException {
        copy(in, size);
        pad(size);
    }

    private void copy(InputStream in, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("tar: content ended " + left + " bytes early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Zeros after {@code size} bytes of data, to the end of its last block. */
    private void pad(long size) throws IOException {
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        out.write(new byte[pad]);
        written += size + pad;
    }

    private void finish() throws IOException {
        long end = written + 2 * BLOCK;
        long padded = (end + RECORD - 1) / RECORD * RECORD;
        out.write(new byte[(int) (padded - written)]);
        written = padded;
        out.flush();
    }
}
