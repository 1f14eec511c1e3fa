package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.SparseContent;
import dev.kiln.testing.PaxTar;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Sparse entries leave the reader with their holes: as regions plus data, never expanded. */
class TarReaderSparseTest {
    @TempDir
    Path tmp;

    /** The file a sparse content describes, built from its regions and data alone (not its logical view). */
    private static byte[] fromRegions(SparseContent c) throws IOException {
        byte[] whole = new byte[(int) c.size()];
        for (SparseContent.Region r : c.regions()) {
            c.data().readNBytes(whole, (int) r.offset(), (int) r.length());
        }
        assertThat(c.data().read()).isEqualTo(-1);
        return whole;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax-0.0", "pax-0.1", "pax-1.0"})
    void gnuTarSparseFilesComeOutAsRegions(String variant) throws IOException {
        Tools.bash(tmp, """
                mkdir s
                truncate -s 20M s/holes
                printf 'start' | dd of=s/holes conv=notrunc status=none
                head -c 100000 /dev/urandom | dd of=s/holes bs=1M seek=7 conv=notrunc status=none
                printf 'end' | dd of=s/holes bs=1 seek=$((20*1024*1024-3)) conv=notrunc status=none
                truncate -s 8M s/allhole
                """);
        String opts = variant.equals("gnu") ? "--format=gnu" : "--format=pax --sparse-version=" + variant.substring(4);
        Tools.bash(tmp, "tar -C s -S " + opts + " --numeric-owner -cf s.tar holes allhole");
        Map<String, byte[]> files = new HashMap<>();
        try (TarReader r = new TarReader(Files.newInputStream(tmp.resolve("s.tar")), "t")) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                assertThat(e.content()).as(e.pathString()).isInstanceOf(SparseContent.class);
                SparseContent c = (SparseContent) e.content();
                assertThat(c.size()).isEqualTo(e.size());
                assertThat(c.dataSize()).as(e.pathString()).isLessThan(200_000);
                files.put(e.pathString(), fromRegions(c));
            }
        }
        assertThat(files.get("holes")).isEqualTo(Files.readAllBytes(tmp.resolve("s/holes")));
        assertThat(files.get("allhole")).isEqualTo(new byte[8 << 20]);
    }

    @Test
    void aPebibyteFileIsReadAndSkippedAtOnce() {
        long size = 1L << 50;
        byte[] tar = new PaxTar()
                .sparse("huge", size, new PaxTar.Region(0, "head".getBytes()), new PaxTar.Region(size - 4, "tail".getBytes()))
                .file("after", "next entry".getBytes(), Map.of())
                .bytes();
        assertThat(tar.length).isLessThan(5 * 1024);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (TarReader r = new TarReader(new ByteArrayInputStream(tar), "t")) {
                Entry huge = r.next();
                assertThat(huge.pathString()).isEqualTo("huge");
                assertThat(huge.size()).isEqualTo(size);
                SparseContent c = (SparseContent) huge.content();
                assertThat(c.regions()).containsExactly(new SparseContent.Region(0, 4),
                        new SparseContent.Region(size - 4, 4));
                // The logical view: read the head, skip the hole, read the tail.
                assertThat(new String(c.readNBytes(4))).isEqualTo("head");
                assertThat(c.skip(size)).isEqualTo(size - 4);
                // Unread content is passed over without expanding the hole.
                Entry after = r.next();
                assertThat(after.pathString()).isEqualTo("after");
                assertThat(new String(after.content().readAllBytes())).isEqualTo("next entry");
                assertThat(r.next()).isNull();
            }
        });
    }

    @Test
    void aMapThatDisagreesWithTheStoredDataNamesTheEntry() {
        // Claims 10 bytes at 0 and 10 at 5: overlapping regions.
        byte[] tar = new PaxTar().sparse("over", 100, new PaxTar.Region(0, new byte[10]), new PaxTar.Region(5, new byte[10]))
                .bytes();
        assertThatThrownBy(() -> {
            try (TarReader r = new TarReader(new ByteArrayInputStream(tar), "t")) {
                r.next();
            }
        }).isInstanceOf(KilnException.class).hasMessage("t: over: corrupt sparse map (entry 1: offset 5, length 10)");
    }
}
