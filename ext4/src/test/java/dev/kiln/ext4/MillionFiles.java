package dev.kiln.ext4;

import java.io.ByteArrayInputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a tree of N small (or, with "empty", empty) files (1,000 per directory) to an image; run in a child JVM with a
 * capped heap to show that memory is bounded by metadata. Prints the summary.
 */
public final class MillionFiles {
    private MillionFiles() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        int files = Integer.parseInt(args[1]);
        boolean empty = args.length > 2 && args[2].equals("empty");
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
             Ext4Writer w = new Ext4Writer(ch, Ext4Options.defaults().withCreationTime(1_700_000_000L))) {
            Attributes a = new Attributes(0644, 1000, 1000, 1_700_000_000L, 0, java.util.Map.of());
            for (int i = 0; i < files; i++) {
                byte[] path = ("usr/share/d" + (i / 1000) + "/file-" + i).getBytes(StandardCharsets.UTF_8);
                byte[] content = empty ? new byte[0] : ("content " + i + "\n").getBytes(StandardCharsets.UTF_8);
                w.file(path, a, content.length, new ByteArrayInputStream(content));
            }
            Ext4Summary s = w.finish();
            Runtime rt = Runtime.getRuntime();
            System.out.println("blocks=" + s.blockCount() + " inodes=" + s.inodeCount() + " free=" + s.freeInodes()
                    + " seconds=" + (System.nanoTime() - t0) / 1_000_000_000.0
                    + " heapUsedMiB=" + (rt.totalMemory() - rt.freeMemory()) / (1 << 20));
        }
    }
}
