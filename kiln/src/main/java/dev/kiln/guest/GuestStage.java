package dev.kiln.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.image.ImageConfig;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * Adds what makes the tree bootable. It passes every image entry through unchanged while
 * observing the tree (init system, directory symlinks), then appends its own entries; they
 * come after the image's, so they replace image files of the same path in the writer.
 */
public final class GuestStage {
    /** The effective runtime configuration inside the image (documented in the README). */
    public static final String IMAGE_CONFIG_PATH = "etc/kiln/image.json";
    /** What kiln-init reads: NUL-terminated key=value records (documented in the README). */
    public static final String INIT_CONFIG_PATH = "etc/kiln/init.conf";

    private GuestStage() {
    }

    /** As {@link #apply(EntryStream, ImageConfig, GuestConfig, long, String)} for an image of the host's platform. */
    public static EntryStream apply(EntryStream image, ImageConfig config, GuestConfig guest, long timestamp) {
        return apply(image, config, guest, timestamp, null);
    }

    /**
     * @param timestamp mtime of everything Kiln adds (SOURCE_DATE_EPOCH, for reproducibility)
     * @param platform  the image's "os/arch[/variant]", which picks the kiln-init binary; null
     *                  means the host's architecture
     */
    public static EntryStream apply(EntryStream image, ImageConfig config, GuestConfig guest, long timestamp,
                                    String platform) {
        if (guest.bare()) {
            return image;   // a faithful conversion: the tree exactly as the source has it
        }
        Additions.validate(guest);
        if (guest.init() == GuestConfig.InitMode.KILN) {
            KilnInit.resource(platform);   // fail before any layer is read when no binary fits
        }
        TreeView tree = new TreeView(Additions.namesAdded(guest));
        return new EntryStream() {
            private Iterator<Addition> additions;
            private InputStream open;

            @Override
            public Entry next() throws IOException {
                closeOpen();
                if (additions == null) {
                    Entry e = image.next();
                    if (e != null) {
                        return tree.observe(e);
                    }
                    additions = new Additions(tree, config, guest, timestamp, platform).plan().iterator();
                }
                if (!additions.hasNext()) {
                    return null;
                }
                Entry e = additions.next().open();
                open = e.content();
                return e;
            }

            private void closeOpen() throws IOException {
                if (open != null) {
                    open.close();
                    open = null;
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    closeOpen();
                } finally {
                    image.close();
                }
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

    /** An entry to add; host files are opened only when the entry is emitted. */
    interface Addition {
        Entry open() throws IOException;
    }
}
