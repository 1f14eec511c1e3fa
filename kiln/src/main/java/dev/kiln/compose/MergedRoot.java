package dev.kiln.compose;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryStream;
import dev.kiln.flatten.Flattener;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The root of a composed machine from several images, merged in order, a later one winning, as
 * LinuxKit merges its {@code init} images: each image is flattened on its own (its whiteouts
 * act on its own layers only, never on an earlier image), and the flattened trees are merged
 * like layers without whiteouts. So a name such as {@code .wh.x} in a flattened tree is an
 * ordinary file, as it is in that image's own view, and a non-directory of a later image hides
 * what earlier ones have at and below its path.
 */
final class MergedRoot {
    /** The media type of a flattened image taken as a layer; never written anywhere. */
    static final String MEDIA_TYPE = "application/vnd.kiln.flattened-image";

    private MergedRoot() {
    }

    /** The merged view of {@code parts}' images; closing it closes no image. */
    static EntryStream flatten(List<Machine.Part> parts) throws IOException {
        if (parts.size() == 1) {
            return Flattener.flatten(parts.get(0).image());
        }
        List<Layer> layers = parts.stream().<Layer>map(FlattenedImage::new).toList();
        return Flattener.flatten(new Image() {
            @Override
            public List<Layer> layers() {
                return layers;
            }

            @Override
            public ImageConfig config() {
                return ImageConfig.empty();
            }

            @Override
            public boolean hasWhiteouts() {
                return false; // each image's own flatten applied its whiteouts already
            }
        });
    }

    /**
     * One image's flattened tree as a layer. Flatten may read a layer twice (a hard link whose
     * every earlier name a later image hides); then the image is flattened again.
     */
    private record FlattenedImage(Machine.Part part) implements Layer {
        @Override
        public String digest() {
            return part.name();
        }

        @Override
        public String mediaType() {
            return MEDIA_TYPE;
        }

        @Override
        public long size() {
            return -1;
        }

        @Override
        public InputStream open() {
            throw new KilnException(part.name() + ": is a flattened image, not a tar stream");
        }

        @Override
        public EntryStream entries() throws IOException {
            return Flattener.flatten(part.image());
        }

        @Override
        public boolean isTarStream() {
            return false;
        }
    }
}
