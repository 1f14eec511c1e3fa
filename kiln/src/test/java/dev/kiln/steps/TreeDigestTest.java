package dev.kiln.steps;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.guest.Entries;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The base key of a source without a manifest digest: the digest of its tree, taken as it streams past. */
class TreeDigestTest {
    private static Entry file(String path, String content, int mode) {
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        return Entry.file(path.getBytes(StandardCharsets.UTF_8), mode, 0, 0, 1, c.length, new ByteArrayInputStream(c));
    }

    /** Drains the stream as a consumer that reads {@code read} bytes of each file (all when negative). */
    private static String digest(Supplier<EntryStream> entries, int read) throws IOException {
        TreeDigest d = new TreeDigest(entries.get());
        for (Entry e = d.next(); e != null; e = d.next()) {
            if (e.type() == EntryType.FILE) {
                InputStream in = e.content() instanceof SparseContent s ? s.data() : e.content();
                in.readNBytes(read < 0 ? Integer.MAX_VALUE : read);
            }
        }
        return d.digest();
    }

    @Test
    void sameTreeSameDigestAndEveryChangeCounts() throws IOException {
        Supplier<EntryStream> base = () -> Entries.of(Entries.dir("a"), file("a/f", "bytes", 0644),
                Entries.link("a/l", "f"));
        String d = digest(base, -1);
        assertThat(digest(base, -1)).isEqualTo(d).startsWith("tree:sha256:");
        // bytes the consumer did not read are hashed all the same
        assertThat(digest(base, 2)).isEqualTo(d);

        List<String> others = List.of(
                digest(() -> Entries.of(Entries.dir("a"), file("a/f", "bytez", 0644), Entries.link("a/l", "f")), -1),
                digest(() -> Entries.of(Entries.dir("a"), file("a/f", "bytes", 0600), Entries.link("a/l", "f")), -1),
                digest(() -> Entries.of(Entries.dir("a"), file("a/g", "bytes", 0644), Entries.link("a/l", "f")), -1),
                digest(() -> Entries.of(Entries.dir("a"), file("a/f", "bytes", 0644), Entries.link("a/l", "g")), -1),
                digest(() -> Entries.of(Entries.dir("a"), file("a/f", "bytes", 0644)), -1),
                digest(() -> Entries.of(Entries.dir("a"), file("a/f", "bytes", 0644), Entries.link("a/l", "f"),
                        Entries.dir("b")), -1),
                digest(() -> Entries.of(file("a/f", "bytes", 0644), Entries.dir("a"), Entries.link("a/l", "f")), -1),
                digest(() -> Entries.of(Entries.dir("a"), withXattr(file("a/f", "bytes", 0644)),
                        Entries.link("a/l", "f")), -1));
        assertThat(others).doesNotContain(d);
        assertThat(new HashSet<>(others)).hasSize(others.size());
    }

    private static Entry withXattr(Entry e) {
        return new Entry(e.path(), e.type(), e.mode(), e.uid(), e.gid(), e.mtimeSeconds(), e.mtimeNanos(),
                Map.of("user.x", new byte[] {1}), e.linkTarget(), e.devMajor(), e.devMinor(), e.size(), e.content());
    }

    /** A 1 PiB file with 4 bytes of data: hashed from its map and its data, its hole never read. */
    @Test
    void aSparseFileIsHashedWithoutReadingItsHoles() throws IOException {
        long size = 1L << 50;
        Supplier<EntryStream> sparse = () -> Entries.of(new Entry("big".getBytes(), EntryType.FILE, 0644, 0, 0, 0, 0,
                null, null, 0, 0, size, new SparseContent(size, List.of(new SparseContent.Region(size - 4, 4)),
                new ByteArrayInputStream("tail".getBytes()))));
        Supplier<EntryStream> moved = () -> Entries.of(new Entry("big".getBytes(), EntryType.FILE, 0644, 0, 0, 0, 0,
                null, null, 0, 0, size, new SparseContent(size, List.of(new SparseContent.Region(0, 4)),
                new ByteArrayInputStream("tail".getBytes()))));
        String d = digest(sparse, -1);
        assertThat(digest(sparse, 0)).isEqualTo(d);
        assertThat(digest(moved, -1)).isNotEqualTo(d);
    }
}
