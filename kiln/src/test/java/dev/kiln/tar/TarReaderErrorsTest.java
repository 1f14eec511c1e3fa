package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Damaged and hostile archives, made with GNU tar and then cut or patched. */
class TarReaderErrorsTest {
    @TempDir
    Path tmp;
    byte[] tar;

    /** a (3 bytes), big (10000 bytes of 'x'), z (5 bytes): headers at 0, 1024, 11776. */
    @BeforeEach
    void archive() throws IOException {
        Tools.bash(tmp, """
                mkdir s && printf abc > s/a && head -c 10000 /dev/zero | tr '\\0' x > s/big && printf zzzzz > s/z
                tar -C s --format=gnu --numeric-owner -cf t.tar a big z
                """);
        tar = Files.readAllBytes(tmp.resolve("t.tar"));
    }

    private static List<Entry> readAll(byte[] archive, String label) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (TarReader r = new TarReader(new ByteArrayInputStream(archive), label)) {
            Entry e;
            while ((e = r.next()) != null) {
                byte[] data = e.content() == null ? null : e.content().readAllBytes();
                out.add(e.withContent(e.size(), data == null ? null : new ByteArrayInputStream(data)));
            }
        }
        return out;
    }

    @Test
    void truncatedInsideDataNamesTheEntry() {
        byte[] cut = Arrays.copyOf(tar, 1024 + 512 + 5000);
        assertThatThrownBy(() -> readAll(cut, "tar:t.tar"))
                .isInstanceOf(KilnException.class)
                .hasMessage("tar:t.tar: big: truncated tar: archive ends inside this entry's data");
    }

    @Test
    void truncatedWhileSkippingUnreadData() throws IOException {
        byte[] cut = Arrays.copyOf(tar, 1024 + 512 + 5000);
        try (TarReader r = new TarReader(new ByteArrayInputStream(cut), "sha256:ab12")) {
            assertThat(r.next().pathString()).isEqualTo("a");
            assertThat(r.next().pathString()).isEqualTo("big");
            assertThatThrownBy(r::next).hasMessage("sha256:ab12: big: truncated tar: archive ends inside this entry's data");
            // The first failure sticks.
            assertThatThrownBy(r::next).hasMessage("sha256:ab12: big: truncated tar: archive ends inside this entry's data");
        }
    }

    @Test
    void truncatedInsideAHeader() {
        byte[] cut = Arrays.copyOf(tar, 11776 + 100);
        assertThatThrownBy(() -> readAll(cut, "tar:t.tar"))
                .hasMessage("tar:t.tar: truncated tar: archive ends inside a header (after big)");
    }

    @Test
    void missingEndBlocksAndPaddingKeepTheLastFile() throws IOException {
        // What umoci insert writes: the last entry's data, then nothing.
        byte[] cut = Arrays.copyOf(tar, 11776 + 512 + 5);
        List<Entry> entries = readAll(cut, "t");
        assertThat(entries).extracting(Entry::pathString).containsExactly("a", "big", "z");
        assertThat(entries.get(2).content().readAllBytes()).isEqualTo("zzzzz".getBytes());
        assertThat(readAll(Arrays.copyOf(tar, 11776 + 1024), "t")).hasSize(3);
    }

    @Test
    void badChecksumIsReported() {
        byte[] bad = tar.clone();
        bad[1024 + 1] ^= 0x20; // "big" -> "bIg" without fixing the checksum
        assertThatThrownBy(() -> readAll(bad, "tar:t.tar"))
                .hasMessage("tar:t.tar: corrupt tar header at byte 1024 (after a): bad header checksum");
        byte[] first = tar.clone();
        first[0] ^= 0x20;
        assertThatThrownBy(() -> readAll(first, "tar:t.tar"))
                .hasMessage("tar:t.tar: not a tar archive (bad header checksum in the first block)");
        assertThatThrownBy(() -> readAll("this is not a tar file".repeat(30).getBytes(), "tar:x"))
                .hasMessageStartingWith("tar:x: not a tar archive");
    }

    @Test
    void unknownTypeIsRejected() {
        byte[] bad = tar.clone();
        bad[1024 + 156] = 'M'; // GNU multi-volume continuation
        fixChecksum(bad, 1024);
        assertThatThrownBy(() -> readAll(bad, "tar:t.tar")).hasMessage("tar:t.tar: big: unsupported tar entry type 'M'");
    }

    @Test
    void contentIsInvalidOnceTheReaderMovesOn() throws IOException {
        try (TarReader r = new TarReader(new ByteArrayInputStream(tar), "t")) {
            Entry a = r.next();
            r.next();
            assertThatThrownBy(() -> a.content().read()).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void escapesAreRejectedAndAbsolutePathsMadeRelative() throws IOException {
        Tools.bash(tmp, """
                cd s
                tar -P --transform 's,^,../,' -cf ../dotdot.tar a
                tar -P --transform 's,^,/,' -cf ../abs.tar a
                ln big big2
                tar -P --transform 's,^big$,../big,RSh' -cf ../link.tar big big2
                tar -P --transform 's,^,x/../../,' -cf ../nested.tar a
                tar -P --transform 's,^,x/y/../,' -cf ../inside.tar a
                """);
        assertThatThrownBy(() -> readAll(Files.readAllBytes(tmp.resolve("dotdot.tar")), "tar:dotdot.tar"))
                .hasMessage("tar:dotdot.tar: ../a: path escapes the root");
        assertThatThrownBy(() -> readAll(Files.readAllBytes(tmp.resolve("nested.tar")), "L"))
                .hasMessage("L: x/../../a: path escapes the root");
        assertThatThrownBy(() -> readAll(Files.readAllBytes(tmp.resolve("link.tar")), "L"))
                .hasMessage("L: big2: hard link target ../big escapes the root");
        assertThat(readAll(Files.readAllBytes(tmp.resolve("abs.tar")), "L")).extracting(Entry::pathString)
                .containsExactly("a");
        assertThat(readAll(Files.readAllBytes(tmp.resolve("inside.tar")), "L")).extracting(Entry::pathString)
                .containsExactly("x/a");
    }

    @Test
    void rootEntryHasTheEmptyPath() throws IOException {
        Tools.bash(tmp, """
                tar -C s --numeric-owner -cf dot.tar .
                tar -C s -P --transform 's,^\\./*$,/,' --no-recursion -cf slash.tar .
                """);
        for (String name : List.of("dot.tar", "slash.tar")) {
            Entry root = readAll(Files.readAllBytes(tmp.resolve(name)), name).get(0);
            assertThat(root.path()).as(name).isEmpty();
            assertThat(root.type()).isEqualTo(EntryType.DIRECTORY);
        }
    }

    @Test
    void normalize() {
        assertThat(norm("")).isEqualTo("");
        assertThat(norm("/")).isEqualTo("");
        assertThat(norm("./")).isEqualTo("");
        assertThat(norm(".")).isEqualTo("");
        assertThat(norm("./usr//bin/./ls")).isEqualTo("usr/bin/ls");
        assertThat(norm("/etc/")).isEqualTo("etc");
        assertThat(norm("a/b/../c")).isEqualTo("a/c");
        assertThat(norm("a/..")).isEqualTo("");
        assertThat(norm("a/../..")).isNull();
        assertThat(norm("..")).isNull();
        assertThat(norm("...")).isEqualTo("...");
        assertThat(norm("a/..b/.c")).isEqualTo("a/..b/.c");
    }

    private static String norm(String s) {
        byte[] n = TarReader.normalize(s.getBytes());
        return n == null ? null : new String(n);
    }

    @Test
    void numbers() throws TarHeader.BadHeader {
        assertThat(TarHeader.number(" 0000644\0".getBytes(), 0, 9)).isEqualTo(0644);
        assertThat(TarHeader.number("\0\0\0\0".getBytes(), 0, 4)).isZero();
        byte[] b256 = {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x2d, (byte) 0xc6, (byte) 0xc0};
        assertThat(TarHeader.number(b256, 0, 12)).isEqualTo(3000000);
        byte[] minusOne = new byte[12];
        Arrays.fill(minusOne, (byte) 0xff);
        assertThat(TarHeader.number(minusOne, 0, 12)).isEqualTo(-1);
        assertThatThrownBy(() -> TarHeader.number("12x4".getBytes(), 0, 4)).isInstanceOf(TarHeader.BadHeader.class);
    }

    @Test
    void paxTimesAndRecords() {
        assertThat(PaxRecords.time("1795491540.035226861".getBytes())).containsExactly(1795491540L, 35226861L);
        assertThat(PaxRecords.time("12".getBytes())).containsExactly(12L, 0L);
        assertThat(PaxRecords.time("1.5".getBytes())).containsExactly(1L, 500000000L);
        assertThat(PaxRecords.time("-1.5".getBytes())).containsExactly(-2L, 500000000L);
        assertThat(PaxRecords.time("-86400".getBytes())).containsExactly(-86400L, 0L);
        assertThat(PaxRecords.time("1.0123456789".getBytes())).containsExactly(1L, 12345678L);
        assertThatThrownBy(() -> PaxRecords.time("1e5".getBytes())).isInstanceOf(IllegalArgumentException.class);
        // Values are bytes up to the record's length: '=' and '\n' inside are fine.
        byte[] value = {0, (byte) 0xff, '\n', '=', (byte) 0x80};
        byte[] rec = concat("29 SCHILY.xattr.user.v=".getBytes(), value, "\n".getBytes());
        List<byte[][]> records = PaxRecords.split(rec);
        assertThat(records).hasSize(1);
        assertThat(records.get(0)[1]).isEqualTo(value);
        assertThatThrownBy(() -> PaxRecords.split("99 path=x\n".getBytes())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aclText() {
        byte[] acl = AclText.toXattr("user::rw-,group::r--,other::r--,user:alice:r--:1000,mask::rw-,group:1001:rw-".getBytes());
        assertThat(java.util.HexFormat.of().formatHex(acl)).isEqualTo("02000000"
                + "01000600ffffffff" + "02000400e8030000" + "04000400ffffffff" + "08000600e9030000"
                + "10000600ffffffff" + "20000400ffffffff");
        assertThat(AclText.maskPerm(acl)).isEqualTo(6);
        assertThatThrownBy(() -> AclText.toXattr("user::rw-\nuser:bob:r--\n".getBytes()))
                .hasMessageContaining("'user:bob:r--' names a user or group without a numeric id");
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static void fixChecksum(byte[] archive, int header) {
        Arrays.fill(archive, header + 148, header + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += archive[header + i] & 0xff;
        }
        byte[] field = String.format("%06o\0 ", sum).getBytes();
        System.arraycopy(field, 0, archive, header + 148, 8);
    }
}
