package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What reading one fuzz input gave: the entries in order (one line each, everything Kiln keeps,
 * content as a hash) or the error message. Any exception other than a {@link KilnException}
 * propagates: that is the bug the fuzz tests look for.
 */
public record FuzzOutcome(List<String> entries, String error) {
    /** Content beyond this is not hashed (a mutated sparse size can make gigabytes of zeros). */
    public static final long HASHED = 4L << 20;

    /** What no message may show: Java class names and library internals. */
    private static final Pattern INTERNAL = Pattern.compile(
            "Exception|java\\.|\\bIndex -?\\d+|out of bounds|For input string|nbits|ZLIB|(^|: )null(:|$)");

    public static FuzzOutcome read(byte[] input, String label) throws IOException {
        List<String> entries = new ArrayList<>();
        try (TarReader r = new TarReader(Decompress.open(new ByteArrayInputStream(input), label), label)) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                entries.add(describe(e));
            }
        } catch (KilnException e) {
            assertUserMessage(e, label);
            return new FuzzOutcome(entries, e.getMessage());
        }
        return new FuzzOutcome(entries, null);
    }

    public boolean failed() {
        return error != null;
    }

    /** The outcome as the corpus records it: "error: MESSAGE", or one line per entry. */
    public String text() {
        return error != null ? "error: " + error + "\n" : String.join("\n", entries) + "\n";
    }

    /** One line naming the input, no Java or library internals, no cause the CLI would add unseen. */
    public static void assertUserMessage(KilnException e, String label) {
        String m = e.getMessage();
        assertThat(m).as("message of %s", e).isNotNull().startsWith(label + ": ").doesNotContain("\n", "\r");
        assertThat(m.length()).as("length of: %s", m).isLessThan(2000);
        assertThat(INTERNAL.matcher(m).find()).as("internal detail in: %s", m).isFalse();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null) {
            // The CLI appends a cause's message that the message does not already hold.
            assertThat(m).as("cause of %s", m).contains(cause.getMessage());
        }
    }

    static String describe(Entry e) throws IOException {
        StringBuilder s = new StringBuilder(Listing.escape(e.path())).append(' ').append(e.type())
                .append(' ').append(Integer.toOctalString(e.mode())).append(' ').append(e.uid()).append(':').append(e.gid())
                .append(" mtime=").append(e.mtimeSeconds()).append('.').append(String.format("%09d", e.mtimeNanos()));
        if (e.type() == EntryType.FILE) {
            s.append(" size=").append(e.size()).append(" sha256=").append(hash(e.content(), e.size()));
        }
        if (e.linkTarget() != null) {
            s.append(" -> ").append(Listing.escape(e.linkTarget()));
        }
        if (e.type() == EntryType.CHARACTER_DEVICE || e.type() == EntryType.BLOCK_DEVICE) {
            s.append(" dev=").append(e.devMajor()).append(',').append(e.devMinor());
        }
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            s.append(' ').append(x.getKey()).append('=').append(HexFormat.of().formatHex(x.getValue()));
        }
        return s.toString();
    }

    /** The hash of the first {@link #HASHED} bytes; the content must hold exactly its size up to there. */
    private static String hash(InputStream in, long size) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        byte[] buf = new byte[65536];
        long total = 0;
        long want = Math.min(size, HASHED);
        while (total < want) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, want - total));
            if (n < 0) {
                break;
            }
            md.update(buf, 0, n);
            total += n;
        }
        assertThat(total).as("content length (size %d)", size).isEqualTo(want);
        if (size <= HASHED) {
            assertThat(in.read()).as("content beyond its size %d", size).isEqualTo(-1);
        }
        return HexFormat.of().formatHex(md.digest()) + (size > HASHED ? "(first 4 MiB)" : "");
    }

    /** Saves a failing input for the corpus; returns where. */
    public static Path save(byte[] input, String suffix) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-crashers"));
            String name = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input)).substring(0, 16);
            Path file = dir.resolve(name + suffix);
            Files.write(file, input);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
