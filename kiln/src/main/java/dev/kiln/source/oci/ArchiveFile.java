package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.io.ChannelSlice;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * A tar file (oci-archive, docker-archive) read in place: an index of member names to data
 * offsets, and positional reads so several layers can stream from it at once. Symlinks between
 * members (old docker-archive layouts link {@code ID/layer.tar} to {@code ../HEX.tar}) are
 * resolved by name inside the archive; nothing on the host is followed.
 */
final class ArchiveFile implements Closeable {
    private record Member(long offset, long size, String linkTo) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Member> members = new HashMap<>();

    ArchiveFile(Path file) throws IOException {
        this.file = file;
        try (TarFile tar = new TarFile(file)) {
            for (TarArchiveEntry e : tar.getEntries()) {
                String name = normalize(e.getName());
                if (e.isSymbolicLink()) {
                    members.put(name, new Member(0, 0, resolveRelative(name, e.getLinkName())));
                } else if (e.isLink()) {
                    members.put(name, new Member(0, 0, normalize(e.getLinkName())));
                } else if (e.isFile()) {
                    members.put(name, new Member(e.getDataOffset(), e.getSize(), null));
                }
            }
        } catch (IOException e) {
            throw new KilnException(file + ": not a readable tar archive: " + e.getMessage(), e);
        }
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
    }

    static String normalize(String name) {
        Deque<String> parts = new ArrayDeque<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
                continue;
            }
            parts.addLast(p);
        }
        return String.join("/", parts);
    }

    private static String resolveRelative(String name, String target) {
        if (target.startsWith("/")) {
            return normalize(target);
        }
        int slash = name.lastIndexOf('/');
        return normalize((slash < 0 ? "" : name.substring(0, slash + 1)) + target);
    }

    private Member find(String name) {
        Member m = members.get(normalize(name));
        for (int hops = 0; m != null && m.linkTo != null; hops++) {
            if (hops > 16) {
                throw new KilnException(file + ": " + name + ": too many links inside the archive");
            }
            m = members.get(m.linkTo);
        }
        return m;
    }

    boolean has(String name) {
        return find(name) != null;
    }

    /** The member's size, or -1 when absent. */
    long size(String name) {
        Member m = find(name);
        return m == null ? -1 : m.size;
    }

    /** The member's bytes, or null when absent. */
    InputStream open(String name) {
        Member m = find(name);
        return m == null ? null : new ChannelSlice(channel, m.offset, m.size, file + ": archive member " + name + " ends early");
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
