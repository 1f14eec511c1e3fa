package dev.kiln.source;

import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
import java.util.List;

/** A plain root filesystem (tar:, dir:): one layer, no whiteouts, no image config. */
record RootfsImage(Layer layer) implements Image {
    @Override
    public List<Layer> layers() {
        return List.of(layer);
    }

    @Override
    public ImageConfig config() {
        return ImageConfig.empty();
    }

    @Override
    public boolean hasWhiteouts() {
        return false;
    }
}
