package dev.kiln.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One change to an archive's bytes, for the fuzz tests. Positions and indexes are taken modulo
 * what the bytes at hand have, so any mutation applies to any input, and a failing case shows
 * (and shrinks to) a short readable list of them.
 */
public sealed interface TarMutation {
    byte[] apply(byte[] in);

    /** Flips one bit. */
    record FlipBit(int at, int bit) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            out[at % in.length] ^= (byte) (1 << (bit & 7));
            return out;
        }
    }

    /** Keeps the first {@code keep} bytes. */
    record Truncate(int keep) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            return Arrays.copyOf(in, keep % (in.length + 1));
        }
    }

    record Insert(int at, byte[] bytes) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            int p = at % (in.length + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(in, 0, p);
            out.writeBytes(bytes);
            out.write(in, p, in.length - p);
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return "Insert[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    record Delete(int at, int count) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            int p = at % in.length;
            int n = Math.min(count, in.length - p);
            byte[] out = new byte[in.length - n];
            System.arraycopy(in, 0, out, 0, p);
            System.arraycopy(in, p + n, out, p, in.length - p - n);
            return out;
        }
    }

    record Overwrite(int at, byte[] bytes) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            byte[] out = in.clone();
            int p = at % in.length;
            System.arraycopy(bytes, 0, out, p, Math.min(bytes.length, in.length - p));
            return out;
        }

        @Override
        public String toString() {
            return "Overwrite[at=" + at + ", bytes=" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** The fields of a header block that carry meaning, as offset and length. */
    enum Field {
        NAME(0, 100), MODE(100, 8), UID(108, 8), GID(116, 8), SIZE(124, 12), MTIME(136, 12), CHECKSUM(148, 8),
        TYPE(156, 1), LINKNAME(157, 100), MAGIC(257, 8), DEVMAJOR(329, 8), DEVMINOR(337, 8), PREFIX(345, 155),
        GNU_SPARSE(386, 96), GNU_EXTENDED(482, 1), GNU_REALSIZE(483, 12);

        final int offset;
        final int length;

        Field(int offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    /**
     * Writes {@code value} (cut or NUL-padded to the field) into a field of the {@code header}th
     * header block, and with {@code fixChecksum} recomputes the checksum, so that the change gets
     * past the checksum test and reaches the code that interprets the field.
     */
    record HeaderField(int header, Field field, byte[] value, boolean fixChecksum) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            List<Integer> headers = headers(in);
            if (headers.isEmpty()) {
                return in;
            }
            int h = headers.get(header % headers.size());
            byte[] out = in.clone();
            byte[] v = Arrays.copyOf(value, field.length);
            System.arraycopy(v, 0, out, h + field.offset, field.length);
            if (fixChecksum && field != Field.CHECKSUM) {
                RawTar.fixChecksum(out, h);
            }
            return out;
        }

        @Override
        public String toString() {
            return "HeaderField[header=" + header + ", " + field + "=" + printable(value) + ", fixChecksum=" + fixChecksum + "]";
        }
    }

    /**
     * Replaces the length of the {@code record}th PAX record ("LEN key=value\n") with
     * {@code length}, leaving everything else (and the header's size field) as it was.
     */
    record PaxLength(int record, String length) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            List<int[]> records = paxRecords(in);
            if (records.isEmpty()) {
                return in;
            }
            int[] r = records.get(record % records.size());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(in, 0, r[0]);
            out.writeBytes(length.getBytes(StandardCharsets.US_ASCII));
            out.write(in, r[1], in.length - r[1]);
            return out.toByteArray();
        }
    }

    /** Overwrites the value of the {@code record}th PAX record in place (same length, so it stays well-formed). */
    record PaxValue(int record, byte[] value) implements TarMutation {
        @Override
        public byte[] apply(byte[] in) {
            List<int[]> records = paxRecords(in);
            if (records.isEmpty()) {
                return in;
            }
            int[] r = records.get(record % records.size());
            byte[] out = in.clone();
            int eq = r[1];
            while (eq < r[2] && out[eq] != '=') {
                eq++;
            }
            int start = eq + 1;
            int end = r[2] - 1; // before the newline
            for (int i = start; i < end; i++) {
                out[i] = value.length == 0 ? (byte) '0' : value[(i - start) % value.length];
            }
            return out;
        }

        @Override
        public String toString() {
            return "PaxValue[record=" + record + ", value=" + printable(value) + "]";
        }
    }

    /** Header block offsets, walking from the start while the size fields allow. */
    static List<Integer> headers(byte[] tar) {
        List<Integer> out = new ArrayList<>();
        int at = 0;
        while (at + RawTar.BLOCK <= tar.length && out.size() < 10_000) {
            byte[] block = Arrays.copyOfRange(tar, at, at + RawTar.BLOCK);
            if (TarHeader.isZero(block)) {
                break;
            }
            out.add(at);
            long size;
            try {
                size = TarHeader.number(block, 124, 12);
            } catch (TarHeader.BadHeader e) {
                break;
            }
            byte type = block[156];
            if (type >= '1' && type <= '6') {
                size = 0;
            }
            if (size < 0 || size > tar.length) {
                break;
            }
            at += RawTar.BLOCK + (int) ((size + RawTar.BLOCK - 1) / RawTar.BLOCK * RawTar.BLOCK);
        }
        return out;
    }

    /** {start of the length digits, end of them, end of the record} for each record in each PAX header. */
    static List<int[]> paxRecords(byte[] tar) {
        List<int[]> out = new ArrayList<>();
        for (int h : headers(tar)) {
            byte type = tar[h + 156];
            if (type != 'x' && type != 'g') {
                continue;
            }
            long size;
            try {
                size = TarHeader.number(tar, h + 124, 12);
            } catch (TarHeader.BadHeader e) {
                continue;
            }
            int data = h + RawTar.BLOCK;
            int end = (int) Math.min(tar.length, data + size);
            int p = data;
            while (p < end) {
                int sp = p;
                long len = 0;
                while (sp < end && tar[sp] >= '0' && tar[sp] <= '9' && sp - p < 9) {
                    len = len * 10 + (tar[sp] - '0');
                    sp++;
                }
                if (sp == p || sp >= end || tar[sp] != ' ' || len <= 0 || p + len > end) {
                    break;
                }
                out.add(new int[] {p, sp, (int) (p + len)});
                p += (int) len;
            }
        }
        return out;
    }

    private static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xff;
            s.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('"').toString();
    }
}
