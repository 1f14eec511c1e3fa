package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens a layer's tar stream as entries. INTERIM: until the project's own tar reader
 * (dev.kiln.tar.TarReader) is in main, this adapts Commons Compress, which decodes PAX values as
 * UTF-8 (binary xattr values with bytes over 0x7f are damaged) and needs end-of-archive blocks.
 */
final class LayerTars {
    private LayerTars() {
    }

    static EntryStream open(InputStream in, String label) {
        TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(in, 65536));
        return new EntryStream() {
            @Override
            public Entry next() throws IOException {
                TarArchiveEntry t;
                try {
                    t = tar.getNextEntry();
                } catch (IOException | IllegalArgumentException e) {
                    throw new KilnException(label + ": corrupt tar: " + e.getMessage(), e);
                }
                if (t == null) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                    return null;
                }
                byte[] path = normalize(t.getName(), label);
                EntryType type;
                if (t.isDirectory()) {
                    type = EntryType.DIRECTORY;
                } else if (t.isSymbolicLink()) {
                    type = EntryType.SYMLINK;
                } else if (t.isLink()) {
                    type = EntryType.HARDLINK;
                } else if (t.isCharacterDevice()) {
                    type = EntryType.CHARACTER_DEVICE;
                } else if (t.isBlockDevice()) {
                    type = EntryType.BLOCK_DEVICE;
                } else if (t.isFIFO()) {
                    type = EntryType.FIFO;
                } else {
                    type = EntryType.FILE;
                }
                Map<String, byte[]> xattrs = new LinkedHashMap<>();
                t.getExtraPaxHeaders().forEach((k, v) -> {
                    if (k.startsWith("SCHILY.xattr.")) {
                        xattrs.put(k.substring("SCHILY.xattr.".length()), v.getBytes(StandardCharsets.UTF_8));
                    }
                });
                byte[] link = null;
                if (type == EntryType.SYMLINK) {
                    link = t.getLinkName().getBytes(StandardCharsets.UTF_8);
                } else if (type == EntryType.HARDLINK) {
                    link = normalize(t.getLinkName(), label);
                }
                long size = type == EntryType.FILE ? t.getSize() : 0;
                return new Entry(path, type, t.getMode() & 07777, t.getLongUserId(), t.getLongGroupId(),
                        t.getLastModifiedTime().toInstant().getEpochSecond(), 0, xattrs, link,
                        t.getDevMajor(), t.getDevMinor(), size, type == EntryType.FILE ? tar : null);
            }

            @Override
            public void close() throws IOException {
                tar.close();
            }
        };
    }

    static byte[] normalize(String name, String label) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                throw new KilnException(label + ": " + name + ": path escapes the root");
            }
            parts.add(p);
        }
        return String.join("/", parts).getBytes(StandardCharsets.UTF_8);
    }
}
