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
 * resolved by name inside the archive; nothing on the host is followed. A link leading out of
 * the archive, and a member that is a device, a FIFO or a directory, is never read as a file:
 * asking for it fails, naming it.
 */
final class ArchiveFile implements Closeable {
    /**
     * A member: data at an offset, a link to another member, or something that is no file at all
     * ({@code notAFile} says what: a device, a FIFO, a link leading out of the archive).
     */
    private record Member(long offset, long size, String linkTo, String notAFile) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Member> members = new HashMap<>();

    ArchiveFile(Path file) throws IOException {
        this.file = file;
        try (TarFile tar = new TarFile(file)) {
            for (TarArchiveEntry e : tar.getEntries()) {
                String name = normalize(e.getName());
                members.put(name, member(name, e));
            }
        } catch (IOException e) {
            throw new KilnException(file + ": not a readable tar archive: " + e.getMessage(), e);
        }
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
    }

    private static Member member(String name, TarArchiveEntry e) {
        if (e.isSymbolicLink()) {
            String target = resolveRelative(name, e.getLinkName());
            return target == null ? special("a symbolic link leading outside the archive (to " + e.getLinkName() + ")")
                    : new Member(0, 0, target, null);
        }
        if (e.isLink()) {
            String target = e.getLinkName().startsWith("/") ? null : normalize(e.getLinkName());
            return target == null ? special("a hard link leading outside the archive (to " + e.getLinkName() + ")")
                    : new Member(0, 0, target, null);
        }
        if (e.isCharacterDevice() || e.isBlockDevice()) {
            return special("a device");
        }
        if (e.isFIFO()) {
            return special("a FIFO (named pipe)");
        }
        if (e.isDirectory()) {
            return special("a directory");
        }
        if (e.isFile()) {
            return new Member(e.getDataOffset(), e.getSize(), null, null);
        }
        return special("not a regular file (tar type '" + (char) e.getLinkFlag() + "')");
    }

    private static Member special(String what) {
        return new Member(0, 0, null, what);
    }

    /** The member's name without "./", empty and "." parts; ".." removes a part (not past the root). */
    static String normalize(String name) {
        String n = normalizeOrNull(name);
        return n == null ? "" : n;
    }

    /** As {@link #normalize}, or null when ".." leads above the archive's root. */
    private static String normalizeOrNull(String name) {
        Deque<String> parts = new ArrayDeque<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return null;
                }
                parts.removeLast();
                continue;
            }
            parts.addLast(p);
        }
        return String.join("/", parts);
    }

    /** A symlink's target as a member name; null when it leaves the archive (absolute, or too many ".."). */
    private static String resolveRelative(String name, String target) {
        if (target.startsWith("/")) {
            return null;
        }
        int slash = name.lastIndexOf('/');
        return normalizeOrNull((slash < 0 ? "" : name.substring(0, slash + 1)) + target);
    }

    /** The member, links followed; null when absent. Something that is no file fails, naming it. */
    private Member find(String name) {
        Member m = members.get(normalize(name));
        for (int hops = 0; m != null && m.linkTo != null; hops++) {
            if (hops > 16) {
                throw new KilnException(file + ": " + name + ": too many links inside the archive");
            }
            m = members.get(m.linkTo);
        }
        if (m != null && m.notAFile != null) {
            throw new KilnException(file + ": archive member " + name + " is " + m.notAFile + ", not a file");
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
