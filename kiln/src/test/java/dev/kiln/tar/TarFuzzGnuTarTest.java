package dev.kiln.tar;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;
import dev.kiln.testing.Tools;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sampled slow variant of {@link TarFuzzTest}: where a mutated archive is still one GNU tar
 * reads without a word (exit 0, nothing on stderr, for both a verbose listing and an
 * extraction to standard output) and Kiln reads it too, both must see the same entries, with
 * the same metadata, in the same order, and the same file contents.
 */
@Tag("slow")
class TarFuzzGnuTarTest {
    private static final Pattern LINE = Pattern.compile(
            "^(.)(\\S{9}) (\\d+)/(\\d+) +(\\S+) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) (.*)$");
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    private static Path dir;

    @Provide
    Arbitrary<FuzzCase> cases() {
        return FuzzCase.arbitrary();
    }

    @Property(tries = 1500)
    void whereGnuTarReadsAMutatedArchiveKilnReadsTheSame(@ForAll("cases") FuzzCase c) throws IOException {
        byte[] input = c.bytes();
        TarFuzzTest.check(input, c.suffix()); // no crash, no hang, a clean message
        Path file = work().resolve("in" + c.suffix());
        Files.write(file, input);
        Tools.Result list = Tools.run(List.of("env", "TZ=UTC", "tar", "--numeric-owner", "--quoting-style=escape",
                "-tvf", file.toString()), dir, null, 60);
        Kiln kiln = kiln(input);
        String category = kiln.error != null ? "kiln refuses" : "kiln reads";
        if (list.exitCode() != 0 || !list.stderr().isEmpty()) {
            Statistics.collect(category + ", GNU tar fails or warns");
            return;
        }
        if (kiln.error != null) {
            Statistics.collect(category + ", GNU tar reads");
            return;
        }
        List<String> gnu = new ArrayList<>();
        for (String line : list.stdout().lines().toList()) {
            if (!line.startsWith("V")) { // a volume label: not an entry (Kiln skips it)
                gnu.add(gnuLine(line));
            }
        }
        boolean damagedZstd = c.seed().compression().equals("zstd") && !c.raw().isEmpty();
        if (kiln.tooBig || kiln.lines.contains(null) || gnu.stream().anyMatch(l -> l.startsWith("unparsed"))
                || twoGlobalHeaders(c) || damagedZstd) {
            // Contents too large to compare, a date one side cannot print, globals (where GNU tar
            // departs from POSIX, see the README), or a damaged zstd frame that lost its checksum:
            // zstd versions then decode the damage differently, without an error.
            Statistics.collect(category + ", GNU tar reads, not compared");
            return;
        }
        Tools.Result extract = Tools.run(List.of("sh", "-c", "tar -xOf \"$1\" | sha256sum | cut -c1-64", "sh",
                file.toString()), dir, null, 60);
        if (extract.exitCode() != 0 || extract.stderr().contains("tar:")) {
            Statistics.collect(category + ", GNU tar cannot extract");
            return;
        }
        assertThat(kiln.lines).as("entries of %s", c).containsExactlyElementsOf(gnu);
        assertThat(kiln.contentHash).as("contents of %s", c).isEqualTo(extract.stdout().trim());
        Statistics.collect(category + ", GNU tar reads, same");
    }

    private static boolean twoGlobalHeaders(FuzzCase c) {
        byte[] plain = c.seed().tar();
        for (TarMutation m : c.tar()) {
            plain = m.apply(plain);
        }
        byte[] tar = plain;
        return TarMutation.headers(tar).stream().filter(h -> tar[h + 156] == 'g').count() > 1;
    }

    private record Kiln(List<String> lines, String contentHash, String error, boolean tooBig) {
    }

    /** Kiln's reading in GNU tar's terms: one line per entry, and the hash of all file contents in order. */
    private static Kiln kiln(byte[] input) throws IOException {
        List<String> lines = new ArrayList<>();
        MessageDigest all = sha256();
        boolean tooBig = false;
        try (TarReader r = new TarReader(Decompress.open(new ByteArrayInputStream(input), "fuzz"), "fuzz")) {
            for (Entry e = r.next(); e != null; e = r.next()) {
                lines.add(line(e));
                if (e.type() == EntryType.FILE) {
                    if (e.size() > FuzzOutcome.HASHED) {
                        tooBig = true;
                    } else {
                        digest(e.content(), all);
                    }
                }
            }
        } catch (KilnException e) {
            return new Kiln(lines, null, e.getMessage(), false);
        }
        return new Kiln(lines, HexFormat.of().formatHex(all.digest()), null, tooBig);
    }

    private static String line(Entry e) {
        char type = switch (e.type()) {
            case FILE -> '-';
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case HARDLINK -> 'h';
            case CHARACTER_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            default -> '?';
        };
        // GNU tar shows the header's size field for entries without data; Kiln reads none.
        String size = e.type() == EntryType.CHARACTER_DEVICE || e.type() == EntryType.BLOCK_DEVICE
                ? e.devMajor() + "," + e.devMinor() : e.type() == EntryType.FILE ? String.valueOf(e.size()) : "-";
        String name = escape(e.path());
        if (e.type() == EntryType.SYMLINK) {
            name += " -> " + escape(e.linkTarget());
        } else if (e.type() == EntryType.HARDLINK) {
            name += " link to " + escape(e.linkTarget());
        }
        String date;
        try {
            date = MINUTE.format(Instant.ofEpochSecond(e.mtimeSeconds(), e.mtimeNanos()));
        } catch (java.time.DateTimeException outOfRange) {
            return null;
        }
        return type + " " + Integer.toOctalString(e.mode() & 07777) + " " + e.uid() + "/" + e.gid() + " " + size + " "
                + date + " " + name;
    }

    /** A GNU tar -tv line in {@link #line}'s terms: names normalized as Kiln does, the mode as octal. */
    private static String gnuLine(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return "unparsed: " + line;
        }
        char type = m.group(1).charAt(0);
        String rest = m.group(7);
        String name = rest;
        String link = null;
        String arrow = type == 'l' ? " -> " : type == 'h' ? " link to " : null;
        if (arrow != null && rest.contains(arrow)) {
            name = rest.substring(0, rest.indexOf(arrow));
            link = rest.substring(rest.indexOf(arrow) + arrow.length());
        }
        byte[] path = TarReader.normalize(unescape(name));
        String shown = path == null ? name : escape(path);
        if (link != null) {
            byte[] target = unescape(link);
            if (type == 'h') {
                byte[] n = TarReader.normalize(target);
                target = n == null ? target : n;
            }
            shown += arrow + escape(target);
        }
        char t = type == 'C' ? '-' : type;
        String size = t == '-' || t == 'c' || t == 'b' ? m.group(5) : "-";
        return t + " " + Integer.toOctalString(mode(m.group(2))) + " " + m.group(3) + "/"
                + m.group(4) + " " + size + " " + m.group(6) + " " + shown;
    }

    /** "rwsr-xr-t" to 04755 | 01000. */
    private static int mode(String s) {
        int mode = 0;
        for (int i = 0; i < 9; i++) {
            char c = s.charAt(i);
            int bit = 1 << (8 - i);
            if (c != '-' && c != 'S' && c != 'T') {
                mode |= bit;
            }
        }
        if (s.charAt(2) == 's' || s.charAt(2) == 'S') {
            mode |= 04000;
        }
        if (s.charAt(5) == 's' || s.charAt(5) == 'S') {
            mode |= 02000;
        }
        if (s.charAt(8) == 't' || s.charAt(8) == 'T') {
            mode |= 01000;
        }
        return mode;
    }

    /** GNU's "escape" quoting style: C escapes, other non-printables as \ooo, backslash doubled. */
    static String escape(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            switch (c) {
                case '\\' -> s.append("\\\\");
                case 7 -> s.append("\\a");
                case 8 -> s.append("\\b");
                case 9 -> s.append("\\t");
                case 10 -> s.append("\\n");
                case 11 -> s.append("\\v");
                case 12 -> s.append("\\f");
                case 13 -> s.append("\\r");
                default -> s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\%03o", c));
            }
        }
        return s.toString();
    }

    static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.write(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 't' -> out.write(9);
                case 'n' -> out.write(10);
                case 'v' -> out.write(11);
                case 'f' -> out.write(12);
                case 'r' -> out.write(13);
                default -> {
                    if (n >= '0' && n <= '7' && i + 2 < s.length()) {
                        out.write(Integer.parseInt(s.substring(i, i + 3), 8));
                        i += 2;
                    } else {
                        out.write(n);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private static void digest(InputStream in, MessageDigest md) throws IOException {
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static synchronized Path work() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("kiln-fuzz-gnutar");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
