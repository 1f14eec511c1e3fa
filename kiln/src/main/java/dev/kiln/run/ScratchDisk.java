package dev.kiln.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * What the superblock of a scratch disk says about its state after a step: the host's own
 * check of what kiln-init reports, before anything reads the tree back.
 */
final class ScratchDisk {
    private static final int SUPERBLOCK = 1024;
    private static final int MAGIC = 0xEF53;
    /** s_state: 1 cleanly unmounted (or, with a journal, mounted), 2 errors detected. */
    private static final int STATE_VALID = 1;
    private static final int STATE_ERRORS = 2;
    /** s_feature_incompat RECOVER: the journal holds transactions not yet written to their places. */
    private static final int INCOMPAT_RECOVER = 0x4;

    private ScratchDisk() {
    }

    /** Why the ext4 filesystem in {@code image} is not clean, or empty when it is. */
    static Optional<String> uncleanReason(Path image) throws IOException {
        ByteBuffer sb = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            while (sb.hasRemaining() && ch.read(sb, SUPERBLOCK + sb.position()) > 0) {
                // read the whole superblock
            }
        }
        if (sb.hasRemaining() || (sb.getShort(0x38) & 0xFFFF) != MAGIC) {
            return Optional.of("no ext4 superblock");
        }
        int state = sb.getShort(0x3A) & 0xFFFF;
        int incompat = sb.getInt(0x60);
        if ((state & STATE_ERRORS) != 0) {
            return Optional.of("the kernel recorded filesystem errors");
        }
        if ((incompat & INCOMPAT_RECOVER) != 0) {
            return Optional.of("the journal needs recovery (not unmounted cleanly)");
        }
        if ((state & STATE_VALID) == 0) {
            return Optional.of("not unmounted cleanly");
        }
        return Optional.empty();
    }
}
