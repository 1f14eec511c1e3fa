package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.guest.TreeView;
import dev.kiln.io.HashingInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A tree followed by the entries of copy steps, in step order: like the guest stage's files,
 * they come after the tree's entries and so replace what is at their paths (a directory copied
 * onto a directory adds to it). The destination is resolved through the tree's own symlinks
 * (a copy to /bin/tool lands in /usr/bin when /bin links there); a file copied to an existing
 * directory, or to a path ending in "/", goes into it under its own name.
 */
final class CopyStage implements EntryStream {
    private final EntryStream tree;
    private final Deque<HostCopy.Planned> copies;
    private final long timestamp;
    private final TreeView view = new TreeView();
    private boolean treeDone;
    private final Deque<Pending> pending = new ArrayDeque<>();
    /** The copied file being read: its stream (ours to close), hashed. */
    private Pending openItem;
    private InputStream openFile;
    private HashingInputStream open;

    private record Pending(HostCopy.Planned copy, HostCopy.Item item, String path) {
    }

    CopyStage(EntryStream tree, List<HostCopy.Planned> copies, long timestamp) {
        this.tree = tree;
        this.copies = new ArrayDeque<>(copies);
        this.timestamp = timestamp;
    }

    @Override
    public Entry next() throws IOException {
        finishOpen();
        if (!treeDone) {
            Entry e = tree.next();
            if (e != null) {
                return view.observe(e);
            }
            treeDone = true;
        }
        while (pending.isEmpty()) {
            if (copies.isEmpty()) {
                return null;
            }
            place(copies.poll());
        }
        return emit(pending.poll());
    }

    /** Resolves a copy's destination in the tree as it stands and queues its entries. */
    private void place(HostCopy.Planned copy) {
        String dest = copy.step().path().replaceAll("/+$", "").replaceAll("^/+", "");
        boolean intoDirectory = copy.step().path().endsWith("/");
        String top = view.resolveParent(dest);
        if (copy.isDirectory()) {
            if (view.isSymlink(top) && view.isDirectory(view.resolveFully(top))) {
                top = view.resolveFully(top);
            }
            if (view.exists(top) && !view.isDirectory(top)) {
                throw new KilnException(copy.step().describe() + ": /" + top + ": exists in the image and is not a "
                        + "directory");
            }
        } else if (top.isEmpty() || intoDirectory || view.isDirectory(view.resolveFully(top))) {
            String dir = view.resolveFully(top);
            top = (dir.isEmpty() ? "" : dir + "/") + copy.step().source().getFileName();
        }
        for (HostCopy.Item item : copy.items()) {
            String path = item.relative().isEmpty() ? top : top.isEmpty() ? item.relative() : top + "/" + item.relative();
            if (path.isEmpty()) {
                continue;   // a directory copied to /: its contents go in, the root keeps its own metadata
            }
            pending.add(new Pending(copy, item, path));
        }
    }

    private Entry emit(Pending p) throws IOException {
        HostCopy.Item i = p.item();
        byte[] path = p.path().getBytes(StandardCharsets.UTF_8);
        view.added(p.path(), i.type() == EntryType.DIRECTORY);
        return switch (i.type()) {
            case DIRECTORY -> Entry.directory(path, i.mode(), i.uid(), i.gid(), timestamp);
            case SYMLINK -> Entry.symlink(path, i.linkTarget().getBytes(StandardCharsets.UTF_8), i.uid(), i.gid(),
                    timestamp);
            case HARDLINK -> {
                String first = p.path().substring(0, p.path().length() - i.relative().length()) + i.hardLinkTo();
                yield new Entry(path, EntryType.HARDLINK, i.mode(), i.uid(), i.gid(), timestamp, 0, Map.of(),
                        first.getBytes(StandardCharsets.UTF_8), 0, 0, 0, null);
            }
            case FILE -> {
                openFile = Files.newInputStream(i.host());
                openItem = p;
                open = new HashingInputStream(openFile);
                yield Entry.file(path, i.mode(), i.uid(), i.gid(), timestamp, i.size(), open);
            }
            default -> throw new IllegalStateException("copy of " + i.type());
        };
    }

    /**
     * Reads what the consumer left of the last copied file and checks it against the digest the
     * key was made from (a file that grew has bytes left; one that shrank ends early, which the
     * writer reports first).
     */
    private void finishOpen() throws IOException {
        if (open == null) {
            return;
        }
        HashingInputStream h = open;
        open = null;
        try (InputStream file = openFile) {
            HostCopy.Item i = openItem.item();
            if (!h.finish().equals(i.sha256()) || h.count() != i.size()) {
                throw HostCopy.changed(openItem.copy().step(), i.host());
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (openFile != null) {
                openFile.close();
            }
        } finally {
            tree.close();
        }
    }
}
