package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.entry.EntryStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;

/** Writes the outputs made from the collected tree: initramfs, kernel+initrd and tar. */
public final class TreeOutputs {
    /** The files a kernel+initrd output directory holds; nothing else is ever replaced there. */
    public static final java.util.Set<String> KERNEL_INITRD_FILES = java.util.Set.of("kernel", "initrd.img", "cmdline");

    /** At most this many paths are named in a warning; the rest are counted. */
    private static final int LISTED = 20;

    private final SpooledTree tree;
    private final boolean strict;
    private final Consumer<String> warnings;

    /**
     * @param strict   a dropped xattr is an error instead of a warning
     * @param warnings receives one line per warning
     */
    public TreeOutputs(SpooledTree tree, boolean strict, Consumer<String> warnings) {
        this.tree = tree;
        this.strict = strict;
        this.warnings = warnings;
    }

    /** A compressed newc cpio of the tree, with /init, written to {@code out}, which is closed at the end. */
    public void initramfs(OutputStream out, String what, Compression compression) throws IOException {
        initramfs(out, what, compression, null);
    }

    /** The same without the file at {@code skip} (a kernel that has a file of its own beside the initrd). */
    private void initramfs(OutputStream out, String what, Compression compression, byte[] skip) throws IOException {
        try (OutputStream toClose = out) {
            // Refusals and warnings first: standard output must get no byte of a failed archive.
            byte[] initLink = initLink(what);
            warnAboutXattrs(what);
            warnAboutTimes(what);
            try (OutputStream o = compression.wrap(new BufferedOutputStream(toClose, 1 << 16))) {
                CpioWriter.write(tree, o, initLink, skip);
            }
        }
    }

    /** As the ext4 writer does for its own range: clamped, said once. */
    private void warnAboutTimes(String what) throws IOException {
        java.util.Map.Entry<Integer, String> outside = CpioWriter.timesOutOfRange(tree);
        if (outside != null) {
            warnings.accept(what + ": " + outside.getKey() + (outside.getKey() == 1 ? " time" : " times")
                    + " outside cpio's range (" + CpioWriter.timeRange() + ") clamped to it; the first: "
                    + outside.getValue());
        }
    }

    private void warnAboutXattrs(String what) throws IOException {
        List<String> dropped = CpioWriter.filesWithXattrs(tree);
        if (!dropped.isEmpty()) {
            String list = summarize(dropped);
            if (strict) {
                throw new KilnException(what + ": cpio cannot hold xattrs, and " + dropped.size()
                        + " files have some (--strict): " + list);
            }
            warnings.accept(what + ": cpio cannot hold xattrs; dropped those of " + dropped.size() + " files: " + list);
        }
    }

    /** The tree as a pax tar written to {@code out}, which is closed at the end (see {@link #keepOpen}). */
    public void tar(OutputStream out, String what, Compression compression) throws IOException {
        try (OutputStream o = compression.wrap(new BufferedOutputStream(out, 1 << 16))) {
            TarWriter.write(tree, o, socket -> warnings.accept(what + ": tar cannot hold sockets; left out "
                    + socket));
        }
    }

    /** A stream whose close() only flushes: standard output stays open for whatever comes after. */
    public static OutputStream keepOpen(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    /**
     * A directory with {@code kernel}, {@code initrd.img} and {@code cmdline}; the kernel comes
     * from {@code source}, chosen by {@link KernelChoice} when it is an image. The built tree's
     * own {@code /kernel} is left out of the initrd, as LinuxKit does.
     */
    public void kernelInitrd(Path dir, String what, Compression compression, KernelSource source, String cmdline)
            throws IOException {
        Files.createDirectories(dir);
        Path kernel = dir.resolve("kernel");
        byte[] skip = null;
        if (source instanceof KernelSource.HostFile host) {
            if (!Files.isRegularFile(host.file())) {
                throw new NotFound(host.file().toString(), "kernel file", "");
            }
            Files.copy(host.file(), kernel, StandardCopyOption.REPLACE_EXISTING);
        } else if (source instanceof KernelSource.OtherImage image) {
            try (EntryStream entries = image.opener().open()) {
                if (KernelChoice.copy(entries, kernel) == null) {
                    throw new KilnException(image.name() + ": kernel image has no /kernel or /boot/vmlinuz*");
                }
            }
        } else {
            byte[] kernelPath = KernelChoice.in(tree);
            if (kernelPath == null) {
                throw new KilnException(what + ": no kernel: give --kernel FILE (or kernel: in the spec), "
                        + "or build from an image that has /kernel or /boot/vmlinuz*");
            }
            try (InputStream in = tree.open(tree.find(kernelPath))) {
                Files.copy(in, kernel, StandardCopyOption.REPLACE_EXISTING);
            }
            if (KernelChoice.isTop(kernelPath)) {
                skip = kernelPath;
            }
        }
        initramfs(Files.newOutputStream(dir.resolve("initrd.img")), what + "/initrd.img", compression, skip);
        Files.writeString(dir.resolve("cmdline"), cmdline + "\n");
    }

    /** The kernel runs /init from an initramfs; link it to /sbin/init when the tree has none. */
    private byte[] initLink(String what) {
        if (tree.find("init") != null) {
            return null;
        }
        if (tree.find("sbin/init") != null) {
            return "/sbin/init".getBytes(StandardCharsets.UTF_8);
        }
        throw new KilnException(what + ": the tree has neither /init nor /sbin/init, and the kernel runs /init "
                + "from an initramfs; build with --init kiln, or add one");
    }

    private static String summarize(List<String> paths) {
        String shown = String.join(", ", paths.subList(0, Math.min(LISTED, paths.size())));
        return paths.size() > LISTED ? shown + " and " + (paths.size() - LISTED) + " more" : shown;
    }
}
