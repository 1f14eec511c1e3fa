package dev.kiln.source;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.entry.SparseContent;
import dev.kiln.ext4.DataRegion;
import dev.kiln.ext4.Ext4Entry;
import dev.kiln.ext4.Ext4Reader;
import dev.kiln.ext4.FileContent;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * {@code ext4:FILE}: the tree of an ext2/3/4 filesystem image (made by mkfs.ext4 -d, by Kiln, by
 * a VM), read by the ext4 module's reader. One layer whose entries come straight from the
 * reader (no tar, no whiteouts). The image's /etc/kiln/image.json, when Kiln wrote one, is the
 * image config, so rebuilding a Kiln image keeps its entrypoint, environment and user.
 */
final class Ext4Source {
    static final String MEDIA_TYPE = "application/vnd.kiln.ext4-image";
    /** Where the guest stage keeps the effective config (GuestStage.IMAGE_CONFIG_PATH). */
    private static final byte[] CONFIG_PATH = "etc/kiln/image.json".getBytes(StandardCharsets.US_ASCII);
    private static final long MAX_CONFIG_BYTES = 16L << 20;

    private Ext4Source() {
    }

    static Image open(String spec) throws IOException {
        String label = "ext4:" + spec;
        if (spec.isEmpty()) {
            throw new KilnException(label + ": missing file name (ext4:FILE)");
        }
        Path file = Path.of(spec);
        if (!Files.exists(file)) {
            throw NotFound.file(label);
        }
        if (Files.isDirectory(file)) {
            throw new KilnException(label + ": is a directory (use dir:" + spec + ")");
        }
        if (!Files.isReadable(file)) {
            throw new KilnException(label + ": not readable");
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            Ext4Reader reader = Ext4Reader.open(channel, label);
            return new Ext4Image(new Ext4Layer(label, channel.size(), reader), config(reader, label), channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The config a Kiln build left in the image, or the empty one. */
    private static ImageConfig config(Ext4Reader reader, String label) throws IOException {
        Optional<Ext4Entry> found = reader.lookup(CONFIG_PATH);
        if (found.isEmpty() || found.get().type() != Ext4Entry.Type.FILE) {
            return ImageConfig.empty();
        }
        String where = label + ": /" + new String(CONFIG_PATH, StandardCharsets.US_ASCII);
        if (found.get().size() > MAX_CONFIG_BYTES) {
            throw new KilnException(where + ": " + found.get().size() + " bytes is too large for an image config");
        }
        try (InputStream in = found.get().content().open()) {
            return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(in.readAllBytes(), ImageConfig.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new KilnException(where + ": not the image config Kiln writes: " + e.getOriginalMessage(), e);
        }
    }

    private record Ext4Image(Ext4Layer layer, ImageConfig config, FileChannel channel) implements Image {
        @Override
        public List<Layer> layers() {
            return List.of(layer);
        }

        @Override
        public boolean hasWhiteouts() {
            return false;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private record Ext4Layer(String digest, long size, Ext4Reader reader) implements Layer {
        @Override
        public String mediaType() {
            return MEDIA_TYPE;
        }

        @Override
        public InputStream open() {
            throw new KilnException(digest + ": is a filesystem image, not a tar stream");
        }

        @Override
        public boolean isTarStream() {
            return false;
        }

        @Override
        public EntryStream entries() throws IOException {
            return new Entries(reader.entries());
        }
    }

    /** The reader's records as pipeline entries. */
    private static final class Entries implements EntryStream {
        private final Ext4Reader.EntryStream entries;
        private InputStream open;

        Entries(Ext4Reader.EntryStream entries) {
            this.entries = entries;
        }

        @Override
        public Entry next() throws IOException {
            closeOpen();
            Ext4Entry e = entries.next();
            if (e == null) {
                return null;
            }
            EntryType type = switch (e.type()) {
                case FILE -> EntryType.FILE;
                case DIRECTORY -> EntryType.DIRECTORY;
                case SYMLINK -> EntryType.SYMLINK;
                case HARDLINK -> EntryType.HARDLINK;
                case CHARACTER_DEVICE -> EntryType.CHARACTER_DEVICE;
                case BLOCK_DEVICE -> EntryType.BLOCK_DEVICE;
                case FIFO -> EntryType.FIFO;
                case SOCKET -> EntryType.SOCKET;
            };
            long size = 0;
            if (type == EntryType.FILE) {
                open = content(e.content());
                size = e.size();
            }
            return new Entry(e.path(), type, e.permissions(), e.uid(), e.gid(), e.mtimeSeconds(), e.mtimeNanos(),
                    e.xattrs(), e.linkTarget(), e.devMajor(), e.devMinor(), size, open);
        }

        /** A file with holes goes on as sparse content, so that no consumer reads its holes. */
        private static InputStream content(FileContent content) {
            List<DataRegion> regions = content.regions();
            long data = regions.stream().mapToLong(DataRegion::length).sum();
            if (data == content.size()) {
                return content.open();
            }
            return new SparseContent(content.size(), regions.stream()
                    .map(r -> new SparseContent.Region(r.offset(), r.length())).toList(), content.openRegions());
        }

        private void closeOpen() throws IOException {
            if (open != null) {
                InputStream in = open;
                open = null;
                in.close();
            }
        }

        @Override
        public void close() throws IOException {
            try {
                closeOpen();
            } finally {
                entries.close();
            }
        }
    }
}
