package dev.kiln.guest;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test helpers: entry lists as streams, and streams drained into maps or directories (guest and steps tests). */
public final class Entries {
    private Entries() {
    }

    public static Entry dir(String path) {
        return Entry.directory(b(path), 0755, 0, 0, 1);
    }

    public static Entry file(String path, String content) {
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        return Entry.file(b(path), 0644, 0, 0, 1, c.length, new ByteArrayInputStream(c));
    }

    public static Entry link(String path, String target) {
        return Entry.symlink(b(path), b(target), 0, 0, 1);
    }

    public static EntryStream of(Entry... entries) {
        Iterator<Entry> it = List.of(entries).iterator();
        return new EntryStream() {
            @Override
            public Entry next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public void close() {
            }
        };
    }

    /** One result entry with its content read, in stream order. */
    public record Out(Entry entry, byte[] content) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** Drains the stream; a later entry for a path replaces an earlier one (as in the writer). */
    public static Map<String, Out> drain(EntryStream s) throws IOException {
        Map<String, Out> all = new LinkedHashMap<>();
        try (s) {
            for (Entry e = s.next(); e != null; e = s.next()) {
                byte[] content = e.type() == EntryType.FILE ? e.content().readNBytes((int) e.size()) : new byte[0];
                all.remove(e.pathString());
                all.put(e.pathString(), new Out(e, content));
            }
        }
        return all;
    }

    /** Writes the entries below {@code root} with their owners and modes (the test runs as root). */
    public static void materialize(EntryStream s, Path root) throws IOException {
        List<Runnable> dirModes = new ArrayList<>();
        try (s) {
            for (Entry e = s.next(); e != null; e = s.next()) {
                Path p = root.resolve(e.pathString().isEmpty() ? "." : e.pathString());
                switch (e.type()) {
                    case DIRECTORY -> Files.createDirectories(p);
                    case FILE -> {
                        Files.createDirectories(p.getParent());
                        Files.deleteIfExists(p);
                        Files.copy(e.content(), p);
                    }
                    case SYMLINK -> {
                        Files.createDirectories(p.getParent());
                        Files.deleteIfExists(p);
                        Files.createSymbolicLink(p, Path.of(new String(e.linkTarget(), StandardCharsets.UTF_8)));
                        continue;
                    }
                    default -> throw new IllegalArgumentException("not needed by the tests: " + e.type());
                }
                Files.setPosixFilePermissions(p, perms(e.mode()));
                Files.setAttribute(p, "unix:uid", (int) e.uid());
                Files.setAttribute(p, "unix:gid", (int) e.gid());
                if ((e.mode() & 07000) != 0) {
                    // Java cannot set sticky/setuid bits; chmod can
                    String mode = Integer.toOctalString(e.mode());
                    dirModes.add(() -> dev.kiln.testing.Tools.check("chmod", mode, p.toString()));
                }
            }
        }
        dirModes.forEach(Runnable::run);
    }

    private static Set<PosixFilePermission> perms(int mode) {
        StringBuilder sb = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
