package dev.kiln.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.source.ImageConfig;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Adds what makes the tree bootable. Its entries come after the image's, so they replace
 * image files of the same path in the writer.
 */
public final class GuestStage {
    /** Where the image's runtime configuration is kept inside the image (documented in the README). */
    public static final String IMAGE_CONFIG_PATH = "etc/kiln/image.json";

    private GuestStage() {
    }

    /** @param timestamp mtime of everything Kiln adds (SOURCE_DATE_EPOCH, for reproducibility) */
    public static EntryStream apply(EntryStream image, ImageConfig config, GuestConfig guest, long timestamp) {
        Deque<Entry> additions = new ArrayDeque<>();
        additions.add(Entry.directory(bytes("etc/kiln"), 0755, 0, 0, timestamp));
        byte[] json = imageJson(config);
        additions.add(Entry.file(bytes(IMAGE_CONFIG_PATH), 0644, 0, 0, timestamp, json.length,
                new ByteArrayInputStream(json)));
        return new EntryStream() {
            private boolean imageDone;

            @Override
            public Entry next() throws IOException {
                if (!imageDone) {
                    Entry e = image.next();
                    if (e != null) {
                        return e;
                    }
                    imageDone = true;
                }
                return additions.poll();
            }

            @Override
            public void close() throws IOException {
                image.close();
            }
        };
    }

    static byte[] imageJson(ImageConfig config) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new KilnException(IMAGE_CONFIG_PATH + ": cannot encode the image config", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
