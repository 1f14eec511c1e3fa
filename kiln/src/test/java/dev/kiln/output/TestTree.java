package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One entry stream with the awkward cases archive outputs must keep: hard links (one of
 * whose names is dropped with its directory), devices, a FIFO, a socket, setuid, large ids,
 * nanosecond and pre-1970 mtimes, binary xattrs, long and non-UTF-8 names, a parent given
 * after its child, implicit parents and a replaced file.
 */
final class TestTree {
    static final byte[] CAPABILITY = {1, 0, 0, 2, (byte) 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static final byte[] BIG = new byte[200_000];
    static final String LONG_DIR = "l/" + "d".repeat(120) + "/" + "f".repeat(120);
    static final String LONG_FILE = LONG_DIR + "/" + "g".repeat(50);
    static final String LONG_TARGET = "/" + "t".repeat(150);
    static final byte[] NON_UTF8 = {'x', (byte) 0xff, 'y'};

    static {
        new Random(42).nextBytes(BIG);
    }

    private TestTree() {
    }

    static void feed(EntrySink sink) throws IOException {
        for (Entry e : entries()) {
            sink.accept(e);
        }
    }

    static List<Entry> entries() {
        List<Entry> l = new ArrayList<>();
        l.add(Entry.directory(new byte[0], 0755, 0, 0, 1_600_000_000));
        l.add(file("etc/hostname", 0644, 0, 0, "kiln\n", Map.of("user.comment", "hello".getBytes())));
        l.add(Entry.directory(b("etc"), 0750, 0, 0, 1_600_000_001));
        l.add(file("bin/prog", 04755, 0, 0, "#!/bin/sh\necho hi\n", Map.of("security.capability", CAPABILITY)));
        l.add(new Entry(b("data/a"), EntryType.FILE, 0640, 100_000, 3_000_000, 1_700_000_000, 123_456_789,
                Map.of(), null, 0, 0, BIG.length, new ByteArrayInputStream(BIG)));
        l.add(link("data/b", "data/a"));
        l.add(link("other/c", "data/a"));
        l.add(Entry.symlink(b("lnk"), b("etc/hostname"), 0, 0, 1_600_000_000));
        l.add(Entry.symlink(b("longlnk"), b(LONG_TARGET), 0, 0, 1_600_000_000));
        l.add(special("dev/null", EntryType.CHARACTER_DEVICE, 0666, 1, 3));
        l.add(special("dev/big", EntryType.CHARACTER_DEVICE, 0600, 4, 300));
        l.add(special("dev/sda", EntryType.BLOCK_DEVICE, 0660, 8, 0));
        l.add(special("fifo", EntryType.FIFO, 0600, 0, 0));
        l.add(special("sock", EntryType.SOCKET, 0755, 0, 0));
        l.add(new Entry(b("old"), EntryType.FILE, 0644, 0, 0, -86_400, 0, Map.of(), null, 0, 0, 3,
                new ByteArrayInputStream("old".getBytes())));
        l.add(file("replaced", 0644, 0, 0, "first", Map.of()));
        l.add(file("replaced", 0600, 0, 0, "second", Map.of()));
        l.add(file("gone/x", 0644, 0, 0, "x", Map.of()));
        l.add(link("keep", "gone/x"));
        l.add(file("gone", 0644, 0, 0, "now a file", Map.of()));
        l.add(file("implicit/deep/file", 0644, 0, 0, "deep", Map.of()));
        l.add(file(LONG_FILE, 0644, 0, 0, "long", Map.of()));
        l.add(file("caf\u00e9", 0644, 0, 0, "utf8", Map.of()));
        l.add(new Entry(NON_UTF8, EntryType.FILE, 0644, 0, 0, 1_600_000_000, 0, Map.of(), null, 0, 0, 3,
                new ByteArrayInputStream("bin".getBytes())));
        return l;
    }

    /**
     * What extraction must give, as lines of
     * {@code stat --printf '%n|%F|%a|%u|%g|%s|%.9Y|%t:%T|%h\n'} (paths from "./"; symlink
     * sizes are the target length; directory sizes are omitted as "-"), keyed by path.
     */
    static Map<String, String> expectedStat(boolean withSocket) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("./etc/hostname", "regular file|644|0|0|5|1600000000.000000000|0:0|1");
        m.put("./etc", "directory|750|0|0|-|1600000001.000000000|0:0|2");
        m.put("./bin/prog", "regular file|4755|0|0|18|1600000000.000000000|0:0|1");
        for (String p : List.of("./data/a", "./data/b", "./other/c")) {
            m.put(p, "regular file|640|100000|3000000|200000|1700000000.123456789|0:0|3");
        }
        m.put("./lnk", "symbolic link|777|0|0|12|1600000000.000000000|0:0|1");
        m.put("./longlnk", "symbolic link|777|0|0|151|1600000000.000000000|0:0|1");
        m.put("./dev/null", "character special file|666|0|0|0|1600000000.000000000|1:3|1");
        m.put("./dev/big", "character special file|600|0|0|0|1600000000.000000000|4:12c|1");
        m.put("./dev/sda", "block special file|660|0|0|0|1600000000.000000000|8:0|1");
        m.put("./fifo", "fifo|600|0|0|0|1600000000.000000000|0:0|1");
        if (withSocket) {
            m.put("./sock", "socket|755|0|0|0|1600000000.000000000|0:0|1");
        }
        m.put("./old", "regular file|644|0|0|3|-86400.000000000|0:0|1");
        m.put("./replaced", "regular file|600|0|0|6|1600000000.000000000|0:0|1");
        m.put("./keep", "regular file|644|0|0|1|1600000000.000000000|0:0|1");
        m.put("./gone", "regular file|644|0|0|10|1600000000.000000000|0:0|1");
        m.put("./implicit", "directory|755|0|0|-|0.000000000|0:0|3");
        m.put("./implicit/deep/file", "regular file|644|0|0|4|1600000000.000000000|0:0|1");
        m.put("./" + LONG_FILE, "regular file|644|0|0|4|1600000000.000000000|0:0|1");
        m.put("./caf\u00e9", "regular file|644|0|0|4|1600000000.000000000|0:0|1");
        return m;
    }

    static Entry file(String path, int mode, long uid, long gid, String content, Map<String, byte[]> xattrs) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        return new Entry(b(path), EntryType.FILE, mode, uid, gid, 1_600_000_000, 0, xattrs, null, 0, 0, data.length,
                new ByteArrayInputStream(data));
    }

    static Entry link(String path, String target) {
        return new Entry(b(path), EntryType.HARDLINK, 0, 0, 0, 0, 0, Map.of(), b(target), 0, 0, 0, null);
    }

    static Entry special(String path, EntryType type, int mode, int major, int minor) {
        return new Entry(b(path), type, mode, 0, 0, 1_600_000_000, 0, Map.of(), null, major, minor, 0, null);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
