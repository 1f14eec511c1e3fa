package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.security.MessageDigest;

/**
 * What a {@code copy:} step takes from the host: its source walked once when the build starts
 * (parents before children, names in order), each file hashed for the step's cache key. The
 * bytes written later are checked against that digest, so a file that changes during the build
 * fails it instead of being cached under the wrong key.
 *
 * <p>Regular files, directories and symlinks are copied (a symlink as a symlink; the source
 * itself is followed when it is one); host hard links stay hard links. Mode bits and owners are
 * the host's unless the step sets them; times are the build's (SOURCE_DATE_EPOCH), so they do
 * not change the key; xattrs are not copied.
 */
final class HostCopy {
    /**
     * One thing copied.
     *
     * @param relative   path below the destination, "" for the source itself
     * @param hardLinkTo for a further name of a host file copied already: the relative path of its first name
     * @param sha256     of a regular file's bytes
     */
    record Item(String relative, Path host, EntryType type, int mode, long uid, long gid, long size,
                String linkTarget, String hardLinkTo, String sha256) {
    }

    /** A copy step, walked: what it copies and the digest of all of it. */
    record Planned(Step.Copy step, List<Item> items, String digest) {
        boolean isDirectory() {
            return items.get(0).type() == EntryType.DIRECTORY;
        }
    }

    private HostCopy() {
    }

    /** Walks and hashes the step's source. */
    static Planned plan(Step.Copy step) throws IOException {
        Path source = step.source();
        if (!Files.exists(source)) {
            throw new KilnException(step.describe() + ": " + source + ": no such file or directory");
        }
        List<Item> items = new ArrayList<>();
        Map<Object, String> firstNames = new HashMap<>();
        walk(step, source.toRealPath(), "", items, firstNames, true);
        KeyDigest d = new KeyDigest("copy-content");
        for (Item i : items) {
            d.text(i.relative()).text(i.type().name()).number(i.mode()).number(i.uid()).number(i.gid())
                    .number(i.size()).text(i.linkTarget()).text(i.hardLinkTo()).text(i.sha256());
        }
        return new Planned(step, List.copyOf(items), d.hex());
    }

    private static void walk(Step.Copy step, Path host, String relative, List<Item> items, Map<Object, String> firstNames,
                             boolean top) throws IOException {
        LinkOption[] noFollow = top ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(host, "unix:mode,uid,gid,size,nlink,fileKey", noFollow);
        } catch (NoSuchFileException e) {
            throw new KilnException(step.describe() + ": " + host + ": vanished while it was read");
        }
        int mode = (Integer) attrs.get("mode");
        long uid = step.uid() != null ? step.uid() : ((Integer) attrs.get("uid")).longValue();
        long gid = step.gid() != null ? step.gid() : ((Integer) attrs.get("gid")).longValue();
        int perms = mode & 07777;
        int kind = mode & 0170000;
        if (kind == 0040000) {
            items.add(new Item(relative, host, EntryType.DIRECTORY, perms, uid, gid, 0, null, null, null));
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(host)) {
                dir.forEach(children::add);
            }
            children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            for (Path child : children) {
                String name = child.getFileName().toString();
                walk(step, child, relative.isEmpty() ? name : relative + "/" + name, items, firstNames, false);
            }
        } else if (kind == 0120000) {
            items.add(new Item(relative, host, EntryType.SYMLINK, 0777, uid, gid, 0,
                    Files.readSymbolicLink(host).toString(), null, null));
        } else if (kind == 0100000) {
            int fileMode = step.mode() != null ? step.mode() : perms;
            Object key = attrs.get("fileKey");
            String first = (Integer) attrs.get("nlink") > 1 && key != null ? firstNames.putIfAbsent(key, relative) : null;
            if (first != null) {
                items.add(new Item(relative, host, EntryType.HARDLINK, fileMode, uid, gid, 0, null, first, null));
            } else {
                long size = (Long) attrs.get("size");
                items.add(new Item(relative, host, EntryType.FILE, fileMode, uid, gid, size, null, null,
                        sha256(step, host)));
            }
        } else {
            throw new KilnException(step.describe() + ": " + host + ": not a regular file, directory or symlink; "
                    + "copy takes only those");
        }
    }

    private static String sha256(Step.Copy step, Path file) throws IOException {
        MessageDigest md = KeyDigest.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (java.nio.file.AccessDeniedException e) {
            throw new KilnException(step.describe() + ": " + file + ": permission denied");
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The message when a copied file no longer has the bytes it had when the build started. */
    static KilnException changed(Step.Copy step, Path file) {
        return new KilnException(step.describe() + ": " + file + ": changed while the build ran (its cache key "
                + "was taken from the earlier content); run the build again");
    }
}
