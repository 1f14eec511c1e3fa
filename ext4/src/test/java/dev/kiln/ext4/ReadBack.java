package dev.kiln.ext4;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Test helper: reads an image with {@link Ext4Reader}, describes what it saw, feeds it to a writer. */
final class ReadBack {
    private ReadBack() {
    }

    /** One line per entry, in the reader's order: type, path, attributes, xattrs, content hash or target. */
    static List<String> describe(Path image) throws IOException {
        return describe(image, true);
    }

    static List<String> describe(Path image, boolean verify) throws IOException {
        List<String> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, image.getFileName().toString(), verify).entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                out.add(describe(e));
            }
        }
        return out;
    }

    /**
     * The tree as a map from path to description, independent of entry order: a hard link is
     * described as the file it names, and every name of a multiply-linked inode lists them all.
     */
    static Map<String, String> tree(Path image) throws IOException {
        Map<String, String> byPath = new java.util.TreeMap<>();
        Map<Long, java.util.SortedSet<String>> names = new java.util.HashMap<>();
        Map<String, Long> inodeOf = new java.util.HashMap<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, image.getFileName().toString()).entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                String path = "/" + show(e.path());
                String target = e.type() == Ext4Entry.Type.HARDLINK ? "/" + show(e.linkTarget()) : path;
                String d = e.type() == Ext4Entry.Type.HARDLINK ? byPath.get(target)
                        : e.type() + describe(e).substring((e.type() + " " + path).length());
                byPath.put(path, d);
                if (e.type() != Ext4Entry.Type.DIRECTORY) {
                    names.computeIfAbsent(e.inode(), i -> new java.util.TreeSet<>()).add(path);
                    inodeOf.put(path, e.inode());
                }
            }
        }
        Map<String, String> out = new java.util.TreeMap<>();
        byPath.forEach((path, d) -> {
            Long inode = inodeOf.get(path);
            out.put(path, inode != null && names.get(inode).size() > 1 ? d + " names=" + names.get(inode) : d);
        });
        return out;
    }

    static String describe(Ext4Entry e) throws IOException {
        StringBuilder s = new StringBuilder().append(e.type()).append(" /").append(show(e.path()));
        if (e.type() == Ext4Entry.Type.HARDLINK) {
            return s.append(" => /").append(show(e.linkTarget())).toString();
        }
        s.append(' ').append(Integer.toOctalString(e.permissions())).append(' ').append(e.uid()).append(':')
                .append(e.gid()).append(" mtime=").append(e.mtimeSeconds()).append('.')
                .append(String.format("%09d", e.mtimeNanos()));
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            s.append(' ').append(x.getKey()).append('=').append(HexFormat.of().formatHex(x.getValue()));
        }
        switch (e.type()) {
            case FILE -> s.append(" size=").append(e.size()).append(" sha256=").append(sha256(e.content().open()));
            case SYMLINK -> s.append(" -> ").append(show(e.linkTarget()));
            case CHARACTER_DEVICE, BLOCK_DEVICE -> s.append(" dev=").append(e.devMajor()).append(',').append(e.devMinor());
            default -> { }
        }
        return s.toString();
    }

    /** Reads {@code source} and writes every entry to a new image at {@code target}. */
    static Ext4Summary rewrite(Path source, Path target, Ext4Options options) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
             Ext4Writer w = new Ext4Writer(out, options)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(in, source.toString()).entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                write(w, e);
            }
            return w.finish();
        }
    }

    static void write(Ext4Writer w, Ext4Entry e) throws IOException {
        Attributes a = new Attributes(e.permissions(), e.uid(), e.gid(), e.mtimeSeconds(), e.mtimeNanos(), e.xattrs());
        switch (e.type()) {
            case DIRECTORY -> w.directory(e.path(), a);
            case FILE -> {
                try (InputStream content = e.content().open()) {
                    w.file(e.path(), a, e.size(), content);
                }
            }
            case SYMLINK -> w.symlink(e.path(), a, e.linkTarget());
            case HARDLINK -> w.hardLink(e.path(), e.linkTarget());
            case CHARACTER_DEVICE -> w.special(e.path(), a, SpecialType.CHARACTER_DEVICE, e.devMajor(), e.devMinor());
            case BLOCK_DEVICE -> w.special(e.path(), a, SpecialType.BLOCK_DEVICE, e.devMajor(), e.devMinor());
            case FIFO -> w.special(e.path(), a, SpecialType.FIFO, 0, 0);
            case SOCKET -> w.special(e.path(), a, SpecialType.SOCKET, 0, 0);
        }
    }

    static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try {
            return sha256(Files.newInputStream(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String show(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
