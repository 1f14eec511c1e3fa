package dev.kiln.output;

import com.github.luben.zstd.ZstdOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/** How an archive output is compressed. Both are formats the kernel unpacks an initramfs from. */
public enum Compression {
    GZIP, ZSTD, NONE;

    /** Wraps {@code out}; closing the result finishes the compressed stream and closes {@code out}. */
    OutputStream wrap(OutputStream out) throws IOException {
        return switch (this) {
            // The JDK's gzip header has no timestamp or name, so output is reproducible.
            case GZIP -> new GZIPOutputStream(out, 1 << 16);
            case ZSTD -> {
                ZstdOutputStream z = new ZstdOutputStream(out, 9);
                z.setChecksum(true);
                yield z;
            }
            case NONE -> out;
        };
    }

    public static Compression parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new dev.kiln.KilnException("--compress " + s + ": expected gzip, zstd or none");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
