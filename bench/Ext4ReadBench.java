import dev.kiln.ext4.Ext4Entry;
import dev.kiln.ext4.Ext4Reader;

import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads every entry of an ext4 image with Kiln's reader and every byte of file data (holes
 * included, as zeros), discarding it; prints what it read. Run by bench/ext4-read-bench.sh as
 * compiled beside the bench data: java -cp CLASSES:ext4/target/classes Ext4ReadBench IMAGE
 */
public final class Ext4ReadBench {
    public static void main(String[] args) throws Exception {
        long entries = 0;
        long files = 0;
        long bytes = 0;
        byte[] buffer = new byte[1 << 20];
        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)) {
            Ext4Reader.EntryStream stream = Ext4Reader.open(ch, args[0]).entries();
            for (Ext4Entry e = stream.next(); e != null; e = stream.next()) {
                entries++;
                if (e.content() != null) {
                    files++;
                    try (InputStream in = e.content().open()) {
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            bytes += n;
                        }
                    }
                }
            }
        }
        System.out.printf("%d entries, %d files, %d bytes of file data%n", entries, files, bytes);
    }
}
