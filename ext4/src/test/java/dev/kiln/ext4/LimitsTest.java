package dev.kiln.ext4;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every number ext4 cannot hold, just inside and just outside its limit: inside, the image
 * stores it exactly (e2fsck -fn clean, debugfs shows it); outside, an error naming the path and
 * the limit, never a truncated field. Times are the exception: clamped, with one warning.
 */
class LimitsTest {
    private static final long MAX_ID = 4_294_967_295L;

    @TempDir
    Path tmp;

    private Path image() {
        return tmp.resolve("img");
    }

    private static Attributes owned(long uid, long gid) {
        return new Attributes(0644, uid, gid, 1_700_000_000L, 0, Map.of());
    }

    private static Attributes timed(long seconds, int nanos) {
        return new Attributes(0644, 0, 0, seconds, nanos, Map.of());
    }

    /** One entry of the given kind ("file", "dir", "symlink", "fifo", "chardev") with these attributes. */
    private static Item entry(String kind, String path, Attributes a) {
        return w -> {
            switch (kind) {
                case "file" -> w.file(b(path), a, 2, new ByteArrayInputStream(b("hi")));
                case "dir" -> w.directory(b(path), a);
                case "symlink" -> w.symlink(b(path), a, b("target"));
                case "fifo" -> w.special(b(path), a, SpecialType.FIFO, 0, 0);
                case "chardev" -> w.special(b(path), a, SpecialType.CHARACTER_DEVICE, 1, 3);
                default -> throw new IllegalArgumentException(kind);
            }
        };
    }

    @ParameterizedTest(name = "{0} uid {1} gid {2}")
    @CsvSource({
            "file, 4294967295, 0", "file, 0, 4294967295", "dir, 4294967295, 4294967295",
            "symlink, 4294967295, 7", "fifo, 65536, 4294967295", "chardev, 4294967295, 65535"})
    void idsUpTo32BitsAreStoredExactly(String kind, long uid, long gid) throws Exception {
        assumeTools();
        build(image(), options(), items(entry(kind, "x/e", owned(uid, gid))));
        assertClean(image());
        // debugfs prints ids as signed 32-bit numbers.
        assertThat(debugfs(image(), "stat /x/e"))
                .containsPattern("User:\\s+" + (int) uid + "\\s+Group:\\s+" + (int) gid + "\\s");
        if (isRoot() && uid < MAX_ID && gid < MAX_ID) { // (uid_t) -1 means "no id" to the kernel
            withMount(image(), root -> assertThat(mountedListing(root).get("x/e")).contains(" " + uid + ":" + gid + " "));
        }
    }

    @ParameterizedTest(name = "{0} uid {1} gid {2}")
    @CsvSource({
            "file, 4294967296, 0, uid 4294967296", "file, 0, 4294967296, gid 4294967296",
            "dir, 9223372036854775807, 0, uid 9223372036854775807", "symlink, -1, 0, uid -1",
            "fifo, 0, -5, gid -5", "chardev, 4294967296, 4294967296, uid 4294967296"})
    void idsPast32BitsAreRefusedNamingThePath(String kind, long uid, long gid, String what) {
        assertThatThrownBy(() -> build(image(), options(), items(entry(kind, "x/e", owned(uid, gid)))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessage("x/e: " + what + " is beyond ext4's limit of " + MAX_ID);
    }

    @Test
    void rootWithABadIdIsNamedAsSlash() {
        assertThatThrownBy(() -> build(image(), options(), items(w -> w.directory(new byte[0], owned(1L << 32, 0)))))
                .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("/: uid 4294967296");
    }

    @ParameterizedTest(name = "{0} {1}:{2}")
    @CsvSource({"CHARACTER_DEVICE, 4095, 1048575", "BLOCK_DEVICE, 4095, 0", "CHARACTER_DEVICE, 0, 1048575",
            "BLOCK_DEVICE, 255, 256"})
    void deviceNumbersUpToTwelveAndTwentyBitsAreStoredExactly(SpecialType type, int major, int minor)
            throws Exception {
        assumeTools();
        build(image(), options(), items(special("dev/d", type, major, minor)));
        assertClean(image());
        assertThat(debugfs(image(), "stat /dev/d")).contains("Device major/minor number: "
                + String.format("%02d:%02d", major, minor));
        if (isRoot()) {
            withMount(image(), root -> assertThat(mountedListing(root).get("dev/d")).endsWith(" " + major + "," + minor));
        }
    }

    @ParameterizedTest(name = "{0}:{1}")
    @CsvSource({"4096, 0, 4096:0", "0, 1048576, 0:1048576", "-1, 0, 4294967295:0", "0, -1, 0:4294967295",
            "2147483647, 2147483647, 2147483647:2147483647"})
    void deviceNumbersPastTheEncodingAreRefused(int major, int minor, String shown) {
        assertThatThrownBy(() -> build(image(), options(),
                items(special("dev/d", SpecialType.BLOCK_DEVICE, major, minor))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessage("dev/d: device " + shown + " is beyond ext4's limits (major 0..4095, minor 0..1048575)");
    }

    @Test
    void aFileOfTheLargestSizeHoldsDataInItsLastBlock() throws Exception {
        assumeTools();
        long size = Ext4Limits.MAX_FILE_SIZE;
        assertThat(size).isEqualTo(17_592_186_040_320L);
        byte[] tail = b("the end");
        build(image(), options(), items(w -> w.file(b("huge"), attrs(0644), size,
                List.of(new DataRegion(size - tail.length, tail.length)), new ByteArrayInputStream(tail))));
        assertClean(image());
        String stat = debugfs(image(), "stat /huge");
        assertThat(stat).contains("Size: " + size).containsPattern("\\(4294967294\\):\\d+");
        assertThat(debugfs(image(), "bmap /huge 4294967294")).containsPattern("\\d+");
    }

    @Test
    void aFileOneByteLargerIsRefusedBeforeItsContentIsRead() {
        long size = Ext4Limits.MAX_FILE_SIZE + 1;
        InputStream neverRead = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("content read");
            }
        };
        assertThatThrownBy(() -> build(image(), options(), items(file("usr/big", attrs(0644), size, neverRead))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessage("usr/big: file of 17592186040321 bytes is larger than ext4's maximum of 17592186040320"
                        + " bytes (16 TiB - 4 KiB)");
    }

    @Test
    void aPebibyteSparseFileFailsAtOnce() {
        long size = 1L << 50;
        byte[] data = b("x");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> build(image(), options(), items(w -> w.file(b("hole"), attrs(0644), size,
                        List.of(new DataRegion(size - 1, 1)), new ByteArrayInputStream(data)))))
                        .isInstanceOf(Ext4Exception.class).hasMessageStartingWith("hole: file of 1125899906842624 bytes"));
    }

    /** Seconds, nanoseconds given; seconds, nanoseconds stored. */
    @ParameterizedTest(name = "{0}.{1} -> {2}.{3}")
    @CsvSource({
            "-2147483648, 5, -2147483648, 5",    // 1901-12-13T20:45:52Z, the lowest
            "-2147483649, 5, -2147483648, 0",    // one second earlier: clamped, nanoseconds dropped
            "15032385535, 7, 15032385535, 7",    // 2446-05-10T22:38:55Z, the highest
            "15032385536, 7, 15032385535, 0",
            "9223372036854775807, 0, 15032385535, 0",
            "-9223372036854775808, 0, -2147483648, 0",
            "4294967296, 1, 4294967296, 1"})     // 2106: needs the epoch bits, fits
    void timesAreClampedToExt4sRange(long seconds, int nanos, long storedSeconds, int storedNanos) throws Exception {
        assumeTools();
        Ext4Summary s = build(image(), options(), items(file("t", timed(seconds, nanos), b("x"))));
        assertClean(image());
        String stat = debugfs(image(), "stat /t");
        // debugfs prints mtime as "0xSSSSSSSS:XXXXXXXX": the low 32 bits, then the extra word (nanos << 2 | epoch).
        long extra = ((long) storedNanos << 2) | (((storedSeconds - (int) storedSeconds) >> 32) & 3);
        assertThat(stat).containsPattern("mtime: 0x" + String.format("%08x", (int) storedSeconds) + ":"
                + String.format("%08x", extra));
        if (storedSeconds == seconds) {
            assertThat(s.warnings()).isEmpty();
        } else {
            assertThat(s.warnings()).containsExactly("1 time outside ext4's range (1901-12-13 .. 2446-05-10) "
                    + "clamped to it, as the kernel does; the first: t");
        }
    }

    @Test
    void clampsAreCountedInOneWarningNamingTheFirst() throws Exception {
        Ext4Summary s = build(image(), options().withCreationTime(Long.MAX_VALUE), items(
                file("a", timed(0, 0), b("a")),
                dir("late", timed(1L << 40, 0)),
                symlink("ok", "a"),
                w -> w.symlink(b("early"), timed(-(1L << 40), 0), b("a")),
                w -> w.special(b("fifo"), timed(Long.MIN_VALUE, 0), SpecialType.FIFO, 0, 0)));
        assertThat(s.warnings()).containsExactly("4 times outside ext4's range (1901-12-13 .. 2446-05-10) "
                + "clamped to it, as the kernel does; the first: the creation time");
        assertThat(Instant.ofEpochSecond(Ext4Limits.MAX_TIME)).isEqualTo(Instant.parse("2446-05-10T22:38:55Z"));
        assertThat(Instant.ofEpochSecond(Ext4Limits.MIN_TIME)).isEqualTo(Instant.parse("1901-12-13T20:45:52Z"));
    }

    @Test
    void aCreationTimePastTheRangeIsClampedEverywhereItIsUsed() throws Exception {
        assumeTools();
        Ext4Summary s = build(image(), options().withCreationTime(1L << 40), items(file("implicit/f", timed(0, 0),
                b("x"))));
        // (e2fsck -fn objects to any superblock time in the future, so only the past is checked with it.)
        assertThat(debugfs(image(), "stat /implicit")).contains("mtime: 0x7fffffff:00000003");
        assertThat(debugfs(image(), "stat /lost+found")).contains("mtime: 0x7fffffff:00000003");
        assertThat(s.warnings()).hasSize(1);
        build(image(), options().withCreationTime(-(1L << 40)), items(file("implicit/f", timed(0, 0), b("x"))));
        assertClean(image());
        assertThat(debugfs(image(), "stat /implicit")).contains("mtime: 0x80000000:00000000");
        assertThat(run("dumpe2fs", "-h", image().toString()).output()).contains("Thu Jan  1 00:00:00 1970");
    }

    @Test
    void optionsRefuseWhatTheSuperblockCannotHold() {
        assertThatCode(() -> Ext4Options.defaults().withInodeCount(Ext4Limits.MAX_INODES)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Ext4Options.defaults().withInodeCount(Ext4Limits.MAX_INODES + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("inode count 4292870145 is outside 0..4292870144 (ext4 holds at most 32768 inodes per"
                        + " group and a 32-bit count)");
        assertThatThrownBy(() -> Ext4Options.defaults().withInodeCount(1L << 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ext4Options.defaults().withInodeCount(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatCode(() -> Ext4Options.defaults().withSizeBytes(1L << 44)).doesNotThrowAnyException();
        assertThatThrownBy(() -> Ext4Options.defaults().withSizeBytes((1L << 44) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16 TiB");
        assertThatThrownBy(() -> Ext4Options.defaults().withSizeBytes(-1)).isInstanceOf(IllegalArgumentException.class);
        for (double bad : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Ext4Options.defaults().withHeadroom(bad, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headroom");
        }
        assertThatThrownBy(() -> Ext4Options.defaults().withHeadroom(0.25, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theInodeMaximumLaysOutWithinThirtyTwoBitsForEveryGroupCount() {
        long groupsMax = Ext4Limits.MAX_SIZE_BYTES / 4096 / 32768;
        for (long groups : new long[] {1, 2, 3, 1000, groupsMax - 1, groupsMax}) {
            long blocks = groups * 32768;
            long ipg = Layout.inodesPerGroup(blocks, 100, Ext4Limits.MAX_INODES, 0);
            if (ipg <= Ext4Limits.MAX_INODES_PER_GROUP) {
                assertThat(ipg * groups).as("%d groups", groups).isLessThanOrEqualTo(MAX_ID)
                        .isGreaterThanOrEqualTo(Ext4Limits.MAX_INODES);
            }
        }
        assertThat(Layout.inodesPerGroup(groupsMax * 32768, 100, Ext4Limits.MAX_INODES, 0)).isEqualTo(32752);
    }

    @ParameterizedTest(name = "{0} groups")
    @ValueSource(ints = {1, 8})
    void anExactSizeHoldsAtMostOneBitmapOfInodesPerGroup(int groups) throws Exception {
        assumeTools();
        long size = groups * (128L << 20);
        long most = groups * 32768L;
        Ext4Summary s = build(image(), options().withSizeBytes(size).withInodeCount(most), items(file("f", attrs(0644),
                b("x"))));
        assertClean(image());
        assertThat(s.inodeCount()).isEqualTo(most);
        assertThatThrownBy(() -> build(tmp.resolve("over"), options().withSizeBytes(size).withInodeCount(most + 1),
                items(file("f", attrs(0644), b("x")))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessageMatching("content does not fit: needs at least \\d+ MiB \\(--size is \\d+ [MG]iB\\)");
    }

    /**
     * The largest image the host's ext4 can hold as a file (16 TiB - 4 KiB is its own file size
     * limit; 16 TiB itself needs another filesystem): past 2^31 blocks and with 131,072 groups.
     */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void anImageOfAlmostSixteenTebibytesIsClean() throws Exception {
        assumeTools();
        long size = Ext4Limits.MAX_SIZE_BYTES - (1 << 20);
        Ext4Summary s = build(image(), options().withSizeBytes(size), items(file("f", attrs(0644), b("x"))));
        assertThat(s.blockCount()).isEqualTo(size / 4096);
        assertThat(java.nio.file.Files.size(image())).isEqualTo(size);
        assertClean(image());
        assertThat(new String(cat(image(), "f"))).isEqualTo("x");
    }

    @ParameterizedTest(name = "size {0}")
    @ValueSource(longs = {1, 4095, 4096, 65536})
    void aTinyExactSizeSaysWhatIsNeeded(long size) {
        byte[] content = new byte[100_000];
        java.util.Arrays.fill(content, (byte) 1);
        assertThatThrownBy(() -> build(image(), options().withSizeBytes(size), items(file("f", attrs(0644), content))))
                .isInstanceOf(Ext4Exception.class)
                .hasMessageMatching("content does not fit: needs at least \\d+ MiB \\(--size is [0-9]+ (bytes|KiB)\\)");
    }

    @Test
    void aHeadroomThatCannotBeMetFailsQuicklyNamingTheLimit() {
        // With one inode per 16 KiB, the inode tables are 1/64 of the image: 100-fold headroom can never be met.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThatThrownBy(() -> build(image(), options().withHeadroom(100, 0), items(file("f", attrs(0644),
                        new byte[10_000]))))
                        .isInstanceOf(Ext4Exception.class)
                        .hasMessageStartingWith("sized to fit, the image would be larger than 1 TiB")
                        .hasMessageContaining("10000 % headroom"));
    }

    @Test
    void aLargeHeadroomThatConvergesSlowlyIsFoundDirectly() {
        // 40-fold headroom: each round of plain iteration adds 41/64 of the last increase.
        Layout l = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> Layout.fit(100_000, 129, 5000, 0, true, 40, 0, 1L << 28));
        assertThat(l).isNotNull();
        assertThat(l.blocks - l.end).isGreaterThanOrEqualTo(40 * l.end);
        assertThat(l.reservedGdt).isGreaterThanOrEqualTo(0);
        // And it is (close to) the smallest: a size 1 MiB smaller is not enough.
        Layout smaller = Layout.plan(100_000, 129, l.blocks - 256,
                (int) Layout.inodesPerGroup(l.blocks - 256, 5000, 0, 40), true);
        assertThat(l.blocks - 256 - smaller.end).isLessThan(40 * smaller.end);
    }

    @Test
    void aHeadroomThatConvergesQuicklyGivesTheSameSizeAsBefore() {
        // Regression guard for the iteration itself: these values were computed before the search existed.
        assertThat(Layout.fit(100_000, 129, 5000, 0, true, 0.25, 16384, 1L << 28).blocks).isEqualTo(137_984);
        assertThat(Layout.fit(100_000, 129, 5000, 0, true, 5, 16384, 1L << 28).blocks).isEqualTo(771_072);
        assertThat(Layout.fit(3000, 129, 50, 0, true, 10, 0, 1L << 28).blocks).isEqualTo(154_112);
    }
}
