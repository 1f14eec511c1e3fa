package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Issue 10: metadata headers that are oversized, repeated, unterminated or dangling. */
class TarReaderHostileTest {
    @TempDir
    Path tmp;

    /** Path, uid, mtime and link target of each entry, in order. */
    private static List<String> read(byte[] archive) throws IOException {
        return read(new ByteArrayInputStream(archive));
    }

    private static List<String> read(InputStream archive) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarReader r = new TarReader(archive, "t.tar")) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                out.add(e.pathString() + " uid=" + e.uid() + " gid=" + e.gid() + " mtime=" + e.mtimeSeconds()
                        + (e.linkTarget() == null ? "" : " -> " + new String(e.linkTarget(), StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    /** What GNU tar lists: names (and link targets) only, one per line. */
    private List<String> gnuTarNames(byte[] archive) throws IOException {
        assumeTrue(Tools.available("tar"), "GNU tar is not installed");
        Files.write(tmp.resolve("a.tar"), archive);
        String out = new String(Tools.bash(tmp, "tar --quoting-style=literal -tvf a.tar | sed -E 's/^([^ ]+ +){5}//'"),
                StandardCharsets.UTF_8);
        return out.lines().toList();
    }

    @Test
    void aLaterPaxHeaderReplacesAnEarlierOneAsGnuTarReadsIt() throws IOException {
        byte[] tar = new RawTar()
                .pax('x', RawTar.record("path", "first-x-path"), RawTar.record("uid", "77"))
                .pax('x', RawTar.record("mtime", "5"))
                .file("plain", "hi").end().bytes();
        assertThat(read(tar)).containsExactly("plain uid=0 gid=0 mtime=5");
        assertThat(gnuTarNames(tar)).containsExactly("plain");
    }

    @Test
    void anOversizedPaxHeaderIsRefusedNamingTheEntryAndTheLimit() {
        byte[] big = new byte[(int) TarReader.MAX_PAX_HEADER];
        Arrays.fill(big, (byte) 'v');
        byte[] tar = new RawTar().file("before", "x")
                .pax('x', RawTar.record("comment", big))
                .file("usr/bin/victim", "x").end().bytes();
        assertThatThrownBy(() -> read(tar))
                .isInstanceOf(KilnException.class)
                .hasMessage("t.tar: usr/bin/victim: PAX header of 8388625 bytes exceeds the limit of 8388608 bytes (8 MiB)");
    }

    @Test
    @Tag("slow") // reads 2.1 GB
    void manyLargePaxHeadersBeforeOneEntryAreNotAccumulated() throws IOException {
        // 300 headers of 7 MiB: 2.1 GB if held together (more than the test JVM's heap), one at a time here.
        byte[] seven = new byte[7 << 20];
        Arrays.fill(seven, (byte) 'c');
        byte[] one = new RawTar().pax('x', RawTar.record("comment", seven)).bytes();
        byte[] tail = new RawTar().pax('x', RawTar.record("uid", "5")).file("f", "data").end().bytes();
        InputStream in = new Repeated(one, 300, tail);
        assertThat(read(in)).containsExactly("f uid=5 gid=0 mtime=1000000000");
    }

    @Test
    void globalHeadersHoldPerKeywordAndAreAppliedOnce() throws IOException {
        byte[] tar = new RawTar()
                .pax('g', RawTar.record("uid", "11"), RawTar.record("gid", "22"))
                .file("one", "1")
                .pax('g', RawTar.record("uid", "33"))
                .file("two", "2")
                .pax('x', RawTar.record("gid", "44"))
                .file("three", "3")
                .pax('g', RawTar.record("uid", ""))
                .file("four", "4").end().bytes();
        // POSIX: a global value holds until a later global header names the same keyword;
        // an empty value removes it. (GNU tar would list two and three with gid 0.)
        assertThat(read(tar)).containsExactly("one uid=11 gid=22 mtime=1000000000", "two uid=33 gid=22 mtime=1000000000",
                "three uid=33 gid=44 mtime=1000000000", "four uid=0 gid=22 mtime=1000000000");
    }

    @Test
    void eightyThousandGlobalHeadersTakeLinearTime() throws IOException {
        // Before: every entry re-applied every global record seen so far (62 s here; GNU tar 0.5 s).
        byte[] pair = new RawTar().pax('g', RawTar.record("comment", "git archive")).file("f", "").bytes();
        List<String> entries = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> read(new Repeated(pair, 80_000, new byte[1024])));
        assertThat(entries).hasSize(80_000);
    }

    @Test
    void globalRecordsAreBounded() {
        byte[] half = new byte[600 << 10];
        byte[] tar = new RawTar()
                .pax('g', RawTar.record("comment", half))
                .file("a", "1")
                .pax('g', RawTar.record("SCHILY.xattr.user.x", half))
                .file("b", "2").end().bytes();
        assertThatThrownBy(() -> read(tar)).hasMessage("t.tar: global PAX header at byte 616448: the global records"
                + " in force hold 1228826 bytes, more than the limit of 1048576 bytes (1 MiB)");
    }

    @Test
    void gnuLongNameWithoutItsNulIsReadAsGnuTarReadsIt() throws IOException {
        byte[] zeroPadded = new RawTar().gnuLong('L', bytes("abcde"), (byte) 0)
                .raw(RawTar.header("short", '0', 0, "", true)).end().bytes();
        // GNU tar keeps the block padding and stops at the first NUL, so garbage padding joins the name.
        byte[] garbagePadded = new RawTar().raw(RawTar.header("././@LongLink", 'L', 5, "", true))
                .raw(padded(bytes("abcdeXYZ"))).raw(RawTar.header("short", '0', 0, "", true)).end().bytes();
        byte[] wholeBlock = new RawTar().gnuLong('L', bytes("n".repeat(512)), (byte) 0)
                .raw(RawTar.header("short", '0', 0, "", true)).end().bytes();
        byte[] nulInside = new RawTar().gnuLong('L', bytes("ab\0cdefg"), (byte) 0)
                .raw(RawTar.header("short", '0', 0, "", true)).end().bytes();
        byte[] longLink = new RawTar().raw(RawTar.header("././@LongLink", 'K', 5, "", true))
                .raw(padded(bytes("abcdeXYZ"))).raw(RawTar.header("sym", '2', 0, "short", true)).end().bytes();
        byte[] twoNames = new RawTar().gnuLong('L', bytes("aaa\0"), (byte) 0).gnuLong('L', bytes("bbb\0"), (byte) 0)
                .raw(RawTar.header("short", '0', 0, "", true)).end().bytes();

        assertThat(read(zeroPadded)).containsExactly("abcde uid=0 gid=0 mtime=1000000000");
        assertThat(read(garbagePadded)).containsExactly("abcdeXYZ uid=0 gid=0 mtime=1000000000");
        assertThat(read(wholeBlock)).containsExactly("n".repeat(512) + " uid=0 gid=0 mtime=1000000000");
        assertThat(read(nulInside)).containsExactly("ab uid=0 gid=0 mtime=1000000000");
        assertThat(read(longLink)).containsExactly("sym uid=0 gid=0 mtime=1000000000 -> abcdeXYZ");
        assertThat(read(twoNames)).containsExactly("bbb uid=0 gid=0 mtime=1000000000");

        assertThat(gnuTarNames(zeroPadded)).containsExactly("abcde");
        assertThat(gnuTarNames(garbagePadded)).containsExactly("abcdeXYZ");
        assertThat(gnuTarNames(wholeBlock)).containsExactly("n".repeat(512));
        assertThat(gnuTarNames(nulInside)).containsExactly("ab");
        assertThat(gnuTarNames(longLink)).containsExactly("sym -> abcdeXYZ");
        assertThat(gnuTarNames(twoNames)).containsExactly("bbb");
    }

    @Test
    void anOversizedLongNameIsRefused() {
        byte[] name = new byte[(int) TarReader.MAX_LONG_NAME + 1];
        Arrays.fill(name, (byte) 'n');
        byte[] tar = new RawTar().gnuLong('L', name, (byte) 0).raw(RawTar.header("nnnn", '0', 0, "", true)).end().bytes();
        assertThatThrownBy(() -> read(tar))
                .hasMessage("t.tar: nnnn: GNU long name of 1048577 bytes exceeds the limit of 1048576 bytes (1 MiB)");
    }

    @Test
    void aMetadataHeaderWithoutItsEntryIsATruncatedArchive() {
        byte[] pax = new RawTar().file("first", "1").pax('x', RawTar.record("path", "p")).end().bytes();
        assertThatThrownBy(() -> read(pax)).hasMessage(
                "t.tar: truncated tar: archive ends after a PAX header, before the entry it describes (after first)");
        byte[] name = new RawTar().file("first", "1").gnuLong('L', bytes("abcde"), (byte) 0).bytes();
        assertThatThrownBy(() -> read(name)).hasMessage(
                "t.tar: truncated tar: archive ends after a GNU long name, before the entry it describes (after first)");
    }

    @Test
    void sparseMapsAreBounded() {
        StringBuilder map = new StringBuilder();
        for (int i = 0; i <= SparseMap.MAX_SEGMENTS; i++) {
            map.append(i == 0 ? "" : ",").append("1,1"); // the limit comes before any other check
        }
        byte[] tar = new RawTar()
                .pax('x', RawTar.record("GNU.sparse.major", "0"), RawTar.record("GNU.sparse.minor", "1"),
                        RawTar.record("GNU.sparse.name", "sparse"), RawTar.record("GNU.sparse.realsize", "4194304"),
                        RawTar.record("GNU.sparse.map", map.toString()))
                .raw(RawTar.header("GNUSparseFile.0/sparse", '0', 0, "", false)).end().bytes();
        assertThatThrownBy(() -> read(tar))
                .hasMessage("t.tar: sparse: sparse map of 1048577 segments exceeds the limit of 1048576");
    }

    @Test
    void aSparseMapThatEndsBeforeTheRealSizeIsAnError() {
        // Found by TarFuzzGnuTarTest: GNU tar lists the size record (99999) but extracts to where
        // the map's final empty segment says (90000); Kiln gave 99999 bytes.
        byte[] tar = new RawTar()
                .pax('x', RawTar.record("GNU.sparse.major", "0"), RawTar.record("GNU.sparse.minor", "1"),
                        RawTar.record("GNU.sparse.name", "s"), RawTar.record("GNU.sparse.realsize", "99999"),
                        RawTar.record("GNU.sparse.map", "0,1,90000,0"))
                .raw(RawTar.header("GNUSparseFile.0/s", '0', 1, "", false)).data(bytes("x"), (byte) 0).end().bytes();
        assertThatThrownBy(() -> read(tar)).hasMessage("t.tar: s: corrupt sparse map (it ends at 90000, the real size is 99999)");
    }

    @Test
    void numbersThatDoNotFitAreRefusedNotWrapped() {
        byte[] dev = new RawTar().pax('x', RawTar.record("SCHILY.devmajor", "4294967297"))
                .raw(RawTar.header("dev/null", '3', 0, "", false)).end().bytes();
        assertThatThrownBy(() -> read(dev)).hasMessage("t.tar: dev/null: device major number 4294967297 is out of range");
        byte[] uid = new RawTar().pax('x', RawTar.record("uid", "-1")).file("f", "").end().bytes();
        assertThatThrownBy(() -> read(uid)).hasMessage("t.tar: f: bad PAX uid value '-1'");
        byte[] acl = new RawTar().pax('x', RawTar.record("SCHILY.acl.access",
                "user::rw-,user:4294967296:rwx,group::r--,mask::rwx,other::---")).file("f", "").end().bytes();
        assertThatThrownBy(() -> read(acl)).hasMessage("t.tar: f: ACL entry 'user:4294967296:rwx': id 4294967296"
                + " is out of range (at most 4294967294)");
    }

    @Test
    void nulBytesInPathsAndKeysAreRefused() {
        // Found by BuildFuzzTest: a PAX linkpath with a NUL made a symlink e2fsck calls invalid.
        byte[] link = new RawTar().pax('x', RawTar.record("linkpath", bytes("ab\0c")))
                .raw(RawTar.header("sym", '2', 0, "", false)).end().bytes();
        assertThatThrownBy(() -> read(link)).hasMessage("t.tar: sym: PAX linkpath value holds a NUL byte");
        byte[] key = new RawTar().pax('x', RawTar.record("SCHILY.xattr.user.a\0b", "v")).file("f", "").end().bytes();
        assertThatThrownBy(() -> read(key)).hasMessage("t.tar: f: PAX key 'SCHILY.xattr.user.a\\x00b' holds a NUL byte");
        byte[] latin1 = new RawTar().pax('x', RawTar.record("SCHILY.xattr.user.caf\u00e9", "v")).file("f", "").end().bytes();
        byte[] raw = latin1.clone();
        // the record as written is UTF-8; make its key Latin-1 (one byte shorter, so pad the value)
        String text = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("caf\u00c3\u00a9=v");
        System.arraycopy(new byte[] {'c', 'a', 'f', (byte) 0xe9, '=', 'v', 'v'}, 0, raw, at, 7);
        assertThatThrownBy(() -> read(raw)).hasMessage("t.tar: f: PAX key 'SCHILY.xattr.user.caf\\xe9' is not UTF-8");
    }

    @Test
    void libraryMessagesDoNotReachTheUser() {
        byte[] base64 = new RawTar().pax('x', RawTar.record("LIBARCHIVE.xattr.user.a", "!!notbase64")).file("f", "")
                .end().bytes();
        assertThatThrownBy(() -> read(base64)).hasMessage("t.tar: f: bad PAX LIBARCHIVE.xattr.user.a value (not base64)");
        byte[] percent = new RawTar().pax('x', RawTar.record("LIBARCHIVE.xattr.user.%zz", "YQ")).file("f", "")
                .end().bytes();
        assertThatThrownBy(() -> read(percent)).hasMessage("t.tar: f: bad PAX key 'LIBARCHIVE.xattr.user.%zz' (bad %-escape)");
        byte[] size = new RawTar().pax('x', RawTar.record("size", "99999999999999999999")).file("f", "").end().bytes();
        assertThatThrownBy(() -> read(size)).hasMessage("t.tar: f: bad PAX size value '99999999999999999999'");
    }

    @Test
    void aLoneZeroBlockBeforeMoreEntriesIsAnError() throws IOException {
        // Found by TarFuzzGnuTarTest: one zero block ended the archive, and the entries after it
        // were dropped without a word (GNU tar warns "A lone zero block" and lists them).
        byte[] lone = new RawTar().file("a", "1").raw(new byte[512]).file("b", "2").end().bytes();
        assertThatThrownBy(() -> read(lone))
                .hasMessage("t.tar: damaged tar: a lone zero block at byte 1024 (after a) is followed by more entries");
        // One zero block and then the end of the input, or anything after both end blocks, is the end.
        assertThat(read(new RawTar().file("a", "1").raw(new byte[512]).bytes())).hasSize(1);
        assertThat(read(new RawTar().file("a", "1").end().file("ignored", "after the end").bytes())).hasSize(1);
    }

    @Test
    void emptyInputIsNotAnArchive() throws IOException {
        // GNU tar: "This does not look like a tar archive". An empty archive is two zero blocks.
        assertThatThrownBy(() -> read(new byte[0])).hasMessage("t.tar: empty input, not a tar archive");
        assertThat(read(new byte[1024])).isEmpty();
    }

    @Test
    void aSparseBlockCountThatDisagreesWithTheMapIsAnError() {
        byte[] tar = new RawTar()
                .pax('x', RawTar.record("GNU.sparse.major", "0"), RawTar.record("GNU.sparse.minor", "1"),
                        RawTar.record("GNU.sparse.name", "s"), RawTar.record("GNU.sparse.realsize", "10"),
                        RawTar.record("GNU.sparse.numblocks", "2"), RawTar.record("GNU.sparse.map", "0,1"))
                .raw(RawTar.header("GNUSparseFile.0/s", '0', 1, "", false)).data(bytes("x"), (byte) 0).end().bytes();
        assertThatThrownBy(() -> read(tar))
                .hasMessage("t.tar: s: corrupt sparse map (GNU.sparse.numblocks is 2, the map has 1 segments)");
    }

    @Test
    void aRegularFileNamedLikeADirectoryIsADirectoryWhenEmpty() throws IOException {
        // Found by TarFuzzGnuTarTest: type '0' with a trailing slash was a file for Kiln and a
        // directory for GNU tar and bsdtar.
        byte[] empty = new RawTar().raw(RawTar.header("dir/", '0', 0, "", false)).file("dir/f", "x").end().bytes();
        try (TarReader r = new TarReader(new ByteArrayInputStream(empty), "t.tar")) {
            assertThat(r.next().type()).isEqualTo(dev.kiln.entry.EntryType.DIRECTORY);
        }
        assertThat(gnuTarNames(empty)).containsExactly("dir/", "dir/f");
        byte[] data = new RawTar().raw(RawTar.header("dir/", '0', 5, "", false)).data(bytes("hello"), (byte) 0)
                .end().bytes();
        assertThatThrownBy(() -> read(data)).hasMessage("t.tar: dir/: a regular file with a directory's name (ending in '/')");
    }

    @Test
    void aLinkOrDeviceWithADataSizeIsRefused() throws IOException {
        // Found by TarFuzzGnuTarTest: GNU tar skips the size's worth of data after a device
        // header, POSIX and Go read none, so the two saw different entries after it.
        byte[] device = new RawTar().raw(RawTar.header("dev/null", '3', 512, "", false))
                .file("dev/sda1", "").end().bytes();
        assertThatThrownBy(() -> read(device)).hasMessage("t.tar: dev/null: a character device entry with data (size 512)");
        byte[] link = new RawTar().file("f", "").raw(RawTar.header("g", '1', 3, "f", false)).data(bytes("abc"), (byte) 0)
                .end().bytes();
        assertThatThrownBy(() -> read(link)).hasMessage("t.tar: g: a hardlink entry with data (size 3)");
        // A directory's size field is ignored by GNU tar as well.
        byte[] dir = new RawTar().raw(RawTar.header("d/", '5', 512, "", false)).file("d/f", "x").end().bytes();
        assertThat(read(dir)).containsExactly("d uid=0 gid=0 mtime=1000000000", "d/f uid=0 gid=0 mtime=1000000000");
        assertThat(gnuTarNames(dir)).containsExactly("d/", "d/f");
    }

    @Test
    void namesInMessagesStayOnOneLineAndShort() {
        byte[] newline = new RawTar().raw(RawTar.header("evil\nname\u001b[2J", 'M', 0, "", false)).end().bytes();
        assertThatThrownBy(() -> read(newline)).hasMessage("t.tar: evil\\nname\\x1b[2J: unsupported tar entry type 'M'");
        byte[] longName = new RawTar().gnuLong('L', bytes("n".repeat(5000)), (byte) 0)
                .raw(RawTar.header("n", 'M', 0, "", true)).end().bytes();
        assertThatThrownBy(() -> read(longName)).hasMessage("t.tar: " + "n".repeat(1000) + "...: unsupported tar entry type 'M'");
        byte[] latin1 = new RawTar().raw(RawTar.header(new byte[] {'c', 'a', 'f', (byte) 0xe9, '/', (byte) 0xc3, (byte) 0xa9},
                'M', 0, new byte[0], false)).end().bytes();
        assertThatThrownBy(() -> read(latin1)).hasMessage("t.tar: caf\\xe9/\u00e9: unsupported tar entry type 'M'");
    }

    @Test
    void readErrorsOfTheInputNameTheArchiveAndThePosition() {
        byte[] tar = new RawTar().file("a", "x".repeat(2000)).file("b", "y").end().bytes();
        InputStream failing = new InputStream() {
            int at;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (at >= 1500) {
                    throw new IOException("Input/output error");
                }
                int n = Math.min(len, 1500 - at);
                System.arraycopy(tar, at, b, off, n);
                at += n;
                return n;
            }
        };
        assertThatThrownBy(() -> read(failing))
                .isInstanceOf(KilnException.class)
                .hasMessage("t.tar: read error at byte 1500 (after a): Input/output error");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] padded(byte[] data) {
        return Arrays.copyOf(data, (data.length + 511) / 512 * 512);
    }

    /** {@code part} {@code times} over, then {@code tail}, without holding it all. */
    private static final class Repeated extends InputStream {
        private final byte[] part;
        private final byte[] tail;
        private int left;
        private int pos;

        Repeated(byte[] part, int times, byte[] tail) {
            this.part = part;
            this.tail = tail;
            this.left = times;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            byte[] cur = left > 0 ? part : tail;
            if (left == 0 && pos == tail.length) {
                return -1;
            }
            int n = Math.min(len, cur.length - pos);
            System.arraycopy(cur, pos, b, off, n);
            pos += n;
            if (pos == cur.length && left > 0) {
                left--;
                pos = 0;
            }
            return n;
        }
    }
}
