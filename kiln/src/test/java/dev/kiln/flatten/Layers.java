package dev.kiln.flatten;

import dev.kiln.entry.EntryStream;
import dev.kiln.source.Image;
import dev.kiln.source.ImageConfig;
import dev.kiln.source.Layer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory layers written as real tars (Commons Compress), and images stacking them. */
final class Layers {
    private Layers() {
    }

    /** An image of the given layers, bottom first. */
    static MemoryImage image(List<List<Op>> bottomFirst) {
        return new MemoryImage(bottomFirst.stream().map(Layers::layer).toList());
    }

    @SafeVarargs
    static MemoryImage image(List<Op>... bottomFirst) {
        return image(List.of(bottomFirst));
    }

    static MemoryLayer layer(List<Op> ops) {
        return new MemoryLayer(tar(ops));
    }

    static EntryStream flatten(List<List<Op>> bottomFirst) throws IOException {
        return Flattener.flatten(image(bottomFirst));
    }

    /** The layer's tar: every op in order, PAX for long names. */
    static byte[] tar(List<Op> ops) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Op op : ops) {
                byte flag = switch (op.type()) {
                    case DIR -> TarConstants.LF_DIR;
                    case SYMLINK -> TarConstants.LF_SYMLINK;
                    case LINK -> TarConstants.LF_LINK;
                    case FIFO -> TarConstants.LF_FIFO;
                    case FILE, WHITEOUT, OPAQUE -> TarConstants.LF_NORMAL;
                };
                TarArchiveEntry e = new TarArchiveEntry(op.tarName(), flag, true);
                e.setMode(op.mode());
                e.setIds(0, 0);
                e.setModTime(op.mtime() * 1000);
                byte[] content = op.type() == Op.Type.FILE ? op.arg().getBytes(StandardCharsets.UTF_8) : new byte[0];
                if (op.type() == Op.Type.SYMLINK || op.type() == Op.Type.LINK) {
                    e.setLinkName(op.arg());
                }
                e.setSize(content.length);
                out.putArchiveEntry(e);
                out.write(content);
                out.closeArchiveEntry();
            }
            out.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A layer whose tar is in memory; counts how often it is opened. */
    static final class MemoryLayer implements Layer {
        private final byte[] tar;
        private final String digest;
        final AtomicInteger opens = new AtomicInteger();

        MemoryLayer(byte[] tar) {
            this.tar = tar;
            this.digest = "sha256:" + sha256(tar);
        }

        byte[] tar() {
            return tar;
        }

        @Override
        public String digest() {
            return digest;
        }

        @Override
        public String mediaType() {
            return "application/vnd.oci.image.layer.v1.tar";
        }

        @Override
        public long size() {
            return tar.length;
        }

        @Override
        public InputStream open() {
            opens.incrementAndGet();
            return new ByteArrayInputStream(tar);
        }
    }

    record MemoryImage(List<MemoryLayer> memoryLayers) implements Image {
        @Override
        public List<Layer> layers() {
            return List.copyOf(memoryLayers);
        }

        @Override
        public ImageConfig config() {
            return ImageConfig.empty();
        }
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
