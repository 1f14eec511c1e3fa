package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryStream;
import dev.kiln.source.Image;

import java.io.IOException;

/** Merges an image's layers into the single tree a container runtime would show. */
public final class Flattener {
    private Flattener() {
    }

    public static EntryStream flatten(Image image) throws IOException {
        throw new KilnException("flattening is not implemented yet");
    }
}
