package dev.kiln.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A canonical, byte-exact listing of a directory tree (type, mode, owner, size, content hash,
 * link target, device numbers, mtime seconds, xattrs, hard-link groups), made by a small Python
 * script rather than Kiln's code, so that an image's mount and a reference extraction can be
 * compared without trusting anything of ours.
 */
public final class TreeListing {
    private TreeListing() {
    }

    /** One line per path, sorted; paths in {@code excludes} (relative, e.g. "lost+found") are skipped with their subtrees. */
    public static List<String> of(Path root, String... excludes) {
        List<String> command = new ArrayList<>(List.of("python3", script().toString(), root.toString()));
        for (String e : excludes) {
            command.add("--exclude");
            command.add(e);
        }
        Tools.Result r = Tools.run(command);
        if (r.exitCode() != 0) {
            throw new AssertionError("tree listing of " + root + " failed:\n" + r.output());
        }
        return r.stdout().lines().toList();
    }

    /** Fails listing only the lines that differ, which keeps failures on big trees readable. */
    public static void assertSame(List<String> actual, List<String> expected) {
        java.util.Set<String> a = new java.util.LinkedHashSet<>(actual);
        java.util.Set<String> e = new java.util.LinkedHashSet<>(expected);
        List<String> missing = expected.stream().filter(l -> !a.contains(l)).toList();
        List<String> extra = actual.stream().filter(l -> !e.contains(l)).toList();
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new AssertionError("trees differ\nexpected but absent:\n  " + String.join("\n  ", missing)
                    + "\npresent but not expected:\n  " + String.join("\n  ", extra));
        }
    }

    private static Path script() {
        try (InputStream in = TreeListing.class.getResourceAsStream("tree-listing.py")) {
            Path file = Files.createTempFile("kiln-tree-listing", ".py");
            file.toFile().deleteOnExit();
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
