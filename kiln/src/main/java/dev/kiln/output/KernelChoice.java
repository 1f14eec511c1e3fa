package dev.kiln.output;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;

/**
 * Which file of an image is its kernel, the LinuxKit way, for the built tree and for another
 * image alike: {@code /kernel} wins; else the last {@code /boot/vmlinuz*} by name (unsigned
 * byte order, so {@code vmlinuz-6.1} beats {@code vmlinuz-5.10}). Only regular files count; in
 * the built tree a hard link is the file it names.
 *
 * <p>Public for build steps, whose VM boots the kernel of {@code --kernel-image} too.
 */
public final class KernelChoice {
    static final byte[] TOP = "kernel".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BOOT = "boot".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BOOT_PREFIX = "boot/vmlinuz".getBytes(StandardCharsets.UTF_8);

    private byte[] chosen;

    /** Whether a regular file at {@code path} (relative, no leading slash) can be the kernel at all. */
    static boolean isCandidate(byte[] path) {
        if (Arrays.equals(path, TOP)) {
            return true;
        }
        if (path.length < BOOT_PREFIX.length
                || !Arrays.equals(path, 0, BOOT_PREFIX.length, BOOT_PREFIX, 0, BOOT_PREFIX.length)) {
            return false;
        }
        for (int i = BOOT_PREFIX.length; i < path.length; i++) {
            if (path[i] == '/') {
                return false;   // a file below a directory named vmlinuz*, not a kernel in /boot
            }
        }
        return true;
    }

    /** Offers a regular file; returns whether it is now the choice. */
    boolean offer(byte[] path) {
        if (!isCandidate(path) || (chosen != null && Arrays.equals(chosen, TOP))) {
            return false;
        }
        if (Arrays.equals(path, TOP) || chosen == null || Arrays.compareUnsigned(path, chosen) > 0) {
            chosen = path;
            return true;
        }
        return false;
    }

    /** The path chosen so far, or null. */
    byte[] chosen() {
        return chosen;
    }

    static boolean isTop(byte[] path) {
        return Arrays.equals(path, TOP);
    }

    /** The kernel's path in the collected tree, or null. */
    static byte[] in(SpooledTree tree) {
        KernelChoice choice = new KernelChoice();
        SpooledTree.Node top = tree.find(TOP);
        if (top != null && top.type == EntryType.FILE) {
            choice.offer(TOP);
        }
        SpooledTree.Node boot = tree.find(BOOT);
        if (boot != null && boot.isDirectory()) {
            for (Map.Entry<byte[], SpooledTree.Node> c : boot.children.entrySet()) {
                if (c.getValue().type == EntryType.FILE) {
                    choice.offer(SpooledTree.join(BOOT, c.getKey()));
                }
            }
        }
        return choice.chosen();
    }

    /**
     * Copies the kernel of a stream of entries to {@code target} in one pass (each better
     * candidate replaces the copy so far); returns its path, or null when there is none.
     */
    public static byte[] copy(EntryStream entries, Path target) throws IOException {
        KernelChoice choice = new KernelChoice();
        for (Entry e = entries.next(); e != null; e = entries.next()) {
            if (e.type() == EntryType.FILE && choice.offer(e.path())) {
                // Not closed: the entry's stream belongs to the layer reader.
                InputStream in = e.content();
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return choice.chosen();
    }
}
