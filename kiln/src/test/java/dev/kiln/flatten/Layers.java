package dev.kiln.flatten;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
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
import java.util.Map;
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

    /** The layer's tar: every op in order. */
    static byte[] tar(List<Op> ops) {
        return tarOf(ops.stream().map(Layers::entry).toList());
    }

    /** An op as the tar entry it stands for (whiteouts and opaque markers are empty files). */
    static Entry entry(Op op) {
        byte[] name = op.path().getBytes(StandardCharsets.UTF_8);
        byte[] arg = op.arg() == null ? null : op.arg().getBytes(StandardCharsets.UTF_8);
        return switch (op.type()) {
            case FILE -> Entry.file(name, op.mode(), 0, 0, op.mtime(), arg.length, new ByteArrayInputStream(arg));
            case DIR -> Entry.directory(name, op.mode(), 0, 0, op.mtime());
            case SYMLINK -> new Entry(name, EntryType.SYMLINK, op.mode(), 0, 0, op.mtime(), 0, Map.of(), arg, 0, 0, 0, null);
            case LINK -> new Entry(name, EntryType.HARDLINK, op.mode(), 0, 0, op.mtime(), 0, Map.of(), arg, 0, 0, 0, null);
            case FIFO -> new Entry(name, EntryType.FIFO, op.mode(), 0, 0, op.mtime(), 0, Map.of(), null, 0, 0, 0, null);
            case WHITEOUT, OPAQUE -> Entry.file(op.tarName().getBytes(StandardCharsets.UTF_8), op.mode(), 0, 0,
                    op.mtime(), 0, InputStream.nullInputStream());
        };
    }

    /** A tar of the entries in order (GNU tar's names: "./" for the root, "/" after directories), PAX for long names. */
    static byte[] tarOf(List<Entry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry e : entries) {
                String path = e.pathString();
                byte flag = switch (e.type()) {
                    case DIRECTORY -> TarConstants.LF_DIR;
                    case SYMLINK -> TarConstants.LF_SYMLINK;
                    case HARDLINK -> TarConstants.LF_LINK;
                    case FIFO -> TarConstants.LF_FIFO;
                    case CHARACTER_DEVICE -> TarConstants.LF_CHR;
                    case BLOCK_DEVICE -> TarConstants.LF_BLK;
                    case FILE -> TarConstants.LF_NORMAL;
                    case SOCKET -> throw new IllegalArgumentException("tar cannot hold a socket");
                };
                String name = e.type() != EntryType.DIRECTORY ? path : path.isEmpty() ? "./" : path + "/";
                TarArchiveEntry t = new TarArchiveEntry(name, flag, true);
                t.setMode(e.mode());
                t.setIds(Math.toIntExact(e.uid()), Math.toIntExact(e.gid()));
                t.setModTime(e.mtimeSeconds() * 1000);
                if (e.linkTarget() != null) {
                    t.setLinkName(new String(e.linkTarget(), StandardCharsets.UTF_8));
                }
                if (flag == TarConstants.LF_CHR || flag == TarConstants.LF_BLK) {
                    t.setDevMajor(e.devMajor());
                    t.setDevMinor(e.devMinor());
                }
                byte[] content = e.type() == EntryType.FILE ? e.content().readNBytes((int) e.size()) : new byte[0];
                t.setSize(content.length);
                out.putArchiveEntry(t);
                out.write(content);
                out.closeArchiveEntry();
            }
            out.finish();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
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
