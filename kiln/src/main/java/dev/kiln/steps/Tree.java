package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryStream;
import dev.kiln.image.Image;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/** A tree the steps work on: the base image's, a cached one, or the one on a scratch disk. */
sealed interface Tree extends Closeable permits Tree.Base, Tree.Cached, Tree.ScratchDisk {

    /** Its entries, from the start. */
    EntryStream open() throws IOException;

    /** What it is, for the cache's description of the next step: "base" or a key. */
    String describe();

    @Override
    default void close() throws IOException {
    }

    /** The flattened image. */
    record Base(StepBuild.Opener opener) implements Tree {
        @Override
        public EntryStream open() throws IOException {
            return opener.open();
        }

        @Override
        public String describe() {
            return "base";
        }
    }

    /** A cached tree, held open: a prune meanwhile does not take it away. */
    record Cached(String key, Image image) implements Tree {
        static Optional<Tree> find(StepCache cache, String key) throws IOException {
            Optional<Path> file = cache.find(key);
            if (file.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Cached(key, ext4(file.get())));
            } catch (KilnException e) {
                if (!Files.exists(file.get())) {
                    return Optional.empty();   // pruned between the look and the open
                }
                throw e;
            }
        }

        @Override
        public EntryStream open() throws IOException {
            return image.layers().get(0).entries();
        }

        @Override
        public String describe() {
            return key;
        }

        @Override
        public void close() throws IOException {
            image.close();
        }
    }

    /**
     * A scratch disk a step runs on, and which of Kiln's mount points its tree had when it was
     * written (the others are left out when it is read back).
     */
    final class ScratchDisk implements Tree {
        private final TreeFiles.Scratch scratch;
        private final Set<MountPoints.Point> present;

        private ScratchDisk(TreeFiles.Scratch scratch, Set<MountPoints.Point> present) {
            this.scratch = scratch;
            this.present = present;
        }

        static ScratchDisk write(EntryStream entries, Path directory, long timestamp) throws IOException {
            MountPoints.Seen seen = new MountPoints.Seen(entries);
            return new ScratchDisk(TreeFiles.scratch(seen, directory, timestamp), seen.present());
        }

        Path file() {
            return scratch.file();
        }

        /** The tree a step left, read with Kiln's ext4 reader, without Kiln's own mount points. */
        EntryStream readBack() throws IOException {
            Image image = ext4(scratch.file());
            return EntryStream.closingAlso(() -> MountPoints.cleaned(image.layers().get(0).entries(), present), image);
        }

        @Override
        public EntryStream open() throws IOException {
            return readBack();
        }

        @Override
        public String describe() {
            return "scratch";
        }

        @Override
        public void close() throws IOException {
            scratch.close();
        }
    }

    /** An ext4 image as a source, by Kiln's reader. */
    private static Image ext4(Path file) throws IOException {
        return Sources.open("ext4:" + file, SourceOptions.defaults());
    }
}
