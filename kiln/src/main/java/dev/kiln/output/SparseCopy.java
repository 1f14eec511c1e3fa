package dev.kiln.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Copies a raw image, leaving its zero blocks as holes: a mostly empty 1 TiB image stays cheap. */
final class SparseCopy {
    private static final int BLOCK = 1 << 16;

    private SparseCopy() {
    }

    /** Makes {@code target} (created or truncated) hold the bytes of {@code source}. */
    static void copy(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            ByteBuffer block = ByteBuffer.allocate(BLOCK);
            for (long at = 0; at < size; at += BLOCK) {
                block.clear().limit((int) Math.min(BLOCK, size - at));
                while (block.hasRemaining() && in.read(block, at + block.position()) >= 0) {
                    // read until the block is full
                }
                block.flip();
                if (isZero(block)) {
                    continue;
                }
                while (block.hasRemaining()) {
                    out.write(block, at + block.position());
                }
            }
            if (out.size() < size) {
                // The image ends in a hole: one zero byte at its last offset sets the length.
                out.write(ByteBuffer.allocate(1), size - 1);
            }
        }
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }
}
