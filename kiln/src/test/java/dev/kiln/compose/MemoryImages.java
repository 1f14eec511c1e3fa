package dev.kiln.compose;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Images in memory for the compose tests. A layer is written as lines: {@code d PATH} a
 * directory (0755), {@code f PATH CONTENT} a file, {@code s PATH TARGET} a symlink,
 * {@code h PATH TARGET} a hard link, {@code w PATH} a whiteout of PATH ({@code .wh.NAME}).
 * Each read of a layer makes fresh entries, so flatten may read it twice.
 */
final class MemoryImages {
    private MemoryImages() {
    }

    /** An image of these layers, bottom first, with {@code config}; {@code platform} may be null. */
    static MemoryImage image(ImageConfig config, String platform, List<String>... layers) {
        List<Layer> all = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            all.add(new MemoryLayer("sha256:layer" + i, layers[i]));
        }
        return new MemoryImage(all, config, platform);
    }

    @SafeVarargs
    static MemoryImage image(List<String>... layers) {
        return image(ImageConfig.empty(), null, layers);
    }

    /** A layer that fails when read: for what must be refused before any layer is read. */
    static Layer unreadable() {
        return new MemoryLayer("sha256:unreadable", null);
    }

    record MemoryImage(List<Layer> layers, ImageConfig config, String platformName) implements Image {
        @Override
        public Optional<String> platform() {
            return Optional.ofNullable(platformName);
        }

        /** How often its layers were read, all together. */
        int reads() {
            return layers.stream().mapToInt(l -> ((MemoryLayer) l).reads.get()).sum();
        }
    }

    static final class MemoryLayer implements Layer {
        private final String digest;
        private final List<String> lines;
        final AtomicInteger reads = new AtomicInteger();

        MemoryLayer(String digest, List<String> lines) {
            this.digest = digest;
            this.lines = lines;
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
            return -1;
        }

        @Override
        public InputStream open() {
            throw new UnsupportedOperationException("entries only");
        }

        @Override
        public boolean isTarStream() {
            return false;
        }

        @Override
        public EntryStream entries() {
            reads.incrementAndGet();
            if (lines == null) {
                throw new AssertionError(digest + " was read");
            }
            Iterator<String> it = lines.iterator();
            return new EntryStream() {
                @Override
                public Entry next() {
                    return it.hasNext() ? entry(it.next()) : null;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    static Entry entry(String line) {
        String[] p = line.split(" ", 3);
        byte[] path = b(p[1]);
        return switch (p[0]) {
            case "d" -> Entry.directory(path, 0755, 0, 0, 1);
            case "f" -> {
                byte[] c = b(p.length > 2 ? p[2] : "");
                yield Entry.file(path, 0644, 0, 0, 1, c.length, new ByteArrayInputStream(c));
            }
            case "s" -> Entry.symlink(path, b(p[2]), 0, 0, 1);
            case "h" -> new Entry(path, EntryType.HARDLINK, 0644, 0, 0, 1, 0, Map.of(), b(p[2]), 0, 0, 0, null);
            case "w" -> {
                int slash = p[1].lastIndexOf('/');
                yield Entry.file(b(p[1].substring(0, slash + 1) + ".wh." + p[1].substring(slash + 1)), 0644, 0, 0, 1, 0,
                        InputStream.nullInputStream());
            }
            default -> throw new IllegalArgumentException(line);
        };
    }

    /**
     * Drains {@code stream} into "TYPE PATH[ CONTENT|-> TARGET]" lines in stream order, with
     * file contents read.
     */
    static List<String> lines(EntryStream stream) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        try (stream) {
            for (Entry e = stream.next(); e != null; e = stream.next()) {
                String path = e.pathString();
                out.add(switch (e.type()) {
                    case DIRECTORY -> "d " + path;
                    case FILE -> "f " + path + " " + new String(e.content().readNBytes((int) e.size()),
                            StandardCharsets.UTF_8);
                    case SYMLINK -> "s " + path + " -> " + new String(e.linkTarget(), StandardCharsets.UTF_8);
                    case HARDLINK -> "h " + path + " -> " + new String(e.linkTarget(), StandardCharsets.UTF_8);
                    default -> e.type() + " " + path;
                });
            }
        }
        return out;
    }

    /** The last line of each path: what the writer keeps when a later entry replaces an earlier one. */
    static Map<String, String> tree(List<String> lines) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : lines) {
            String path = l.split(" ", 3)[1];
            out.remove(path);
            out.put(path, l);
        }
        return out;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
