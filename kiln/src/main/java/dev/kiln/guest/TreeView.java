package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryType;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What GuestStage learns about the image while passing its entries through: which paths exist,
 * which are directories, where the symlinks point, and the content of the few small files it
 * must edit (/etc/inittab). Paths are relative, without a leading slash.
 */
final class TreeView {
    /** Files whose content GuestStage may need to extend; kept in memory (they are small). */
    private static final Set<String> KEPT = Set.of("etc/inittab");
    private static final int MAX_KEPT_SIZE = 1 << 20;
    private static final int MAX_SYMLINK_HOPS = 40;

    private final Set<String> directories = new HashSet<>();
    private final Set<String> others = new HashSet<>();
    private final Map<String, String> symlinks = new HashMap<>();
    private final Map<String, byte[]> kept = new HashMap<>();

    TreeView() {
        directories.add("");
    }

    /** Records the entry; returns it, or a copy whose content was read into memory. */
    Entry observe(Entry e) throws IOException {
        String path = e.pathString();
        // a later entry for a path replaces an earlier one, so forget what the path was before
        directories.remove(path);
        others.remove(path);
        symlinks.remove(path);
        kept.remove(path);
        switch (e.type()) {
            case DIRECTORY -> directories.add(path);
            case SYMLINK -> symlinks.put(path, e.linkTarget() == null ? "" : new String(e.linkTarget(), java.nio.charset.StandardCharsets.UTF_8));
            default -> others.add(path);
        }
        if (e.type() == EntryType.FILE && KEPT.contains(path) && e.size() <= MAX_KEPT_SIZE) {
            byte[] content = e.content().readNBytes((int) e.size());
            kept.put(path, content);
            return e.withContent(content.length, new ByteArrayInputStream(content));
        }
        return e;
    }

    /**
     * Resolves every directory component of {@code path} through the image's symlinks (the
     * writer does not follow them), leaving the last component as it is.
     */
    String resolveParent(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return path;
        }
        String dir = resolve(path.substring(0, slash), 0);
        return dir.isEmpty() ? path.substring(slash + 1) : dir + "/" + path.substring(slash + 1);
    }

    /** Resolves the whole path, including a symlink in its last component. */
    String resolveFully(String path) {
        return resolve(path, 0);
    }

    private String resolve(String path, int hops) {
        if (hops > MAX_SYMLINK_HOPS) {
            throw new KilnException(path + ": too many levels of symbolic links");
        }
        Deque<String> done = new ArrayDeque<>();
        String[] parts = path.split("/");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                done.pollLast();
                continue;
            }
            String current = join(done, part);
            String target = symlinks.get(current);
            if (target != null) {
                String base = target.startsWith("/") ? target.substring(1) : join(done, target);
                String rest = String.join("/", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
                return resolve(rest.isEmpty() ? base : base + "/" + rest, hops + 1);
            }
            done.addLast(part);
        }
        return String.join("/", done);
    }

    private static String join(Deque<String> done, String part) {
        return done.isEmpty() ? part : String.join("/", done) + "/" + part;
    }

    boolean isDirectory(String path) {
        return directories.contains(path);
    }

    boolean isSymlink(String path) {
        return symlinks.containsKey(path);
    }

    boolean exists(String path) {
        return directories.contains(path) || others.contains(path) || symlinks.containsKey(path);
    }

    /** Whether the path, followed through symlinks, is a file (or device, fifo...). */
    boolean isFileFollowing(String path) {
        return others.contains(resolveFully(path));
    }

    Optional<String> symlinkTarget(String path) {
        return Optional.ofNullable(symlinks.get(path));
    }

    Optional<byte[]> kept(String path) {
        return Optional.ofNullable(kept.get(path));
    }

    /** Notes a path GuestStage itself adds, so later additions see it. */
    void added(String path, boolean directory) {
        if (directory) {
            directories.add(path);
        } else {
            others.add(path);
        }
    }
}
