package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.tar.Decompress;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** {@code tar:FILE} and {@code tar:-}: a root filesystem tar, plain, gzip, zstd or bzip2 (by content). */
final class TarSource {
    private TarSource() {
    }

    static Image open(String spec) {
        String label = "tar:" + spec;
        if (spec.isEmpty()) {
            throw new KilnException(label + ": missing file name (tar:FILE, or tar:- for standard input)");
        }
        if (spec.equals("-")) {
            return new RootfsImage(new StdinLayer(label, TarSource::stdin));
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
        return new RootfsImage(new FileLayer(label, file));
    }

    private record FileLayer(String digest, Path file) implements Layer.RootfsTar {
        @Override
        public long size() {
            try {
                return Files.size(file);
            } catch (IOException e) {
                return -1;
            }
        }

        @Override
        public InputStream open() throws IOException {
            return Decompress.open(Files.newInputStream(file), digest);
        }
    }

    /** Standard input can be read once; a second open (flatten's slow path) fails clearly. */
    private static final class StdinLayer implements Layer.RootfsTar {
        private final String label;
        private final Supplier<InputStream> stdin;
        private final AtomicBoolean opened = new AtomicBoolean();

        StdinLayer(String label, Supplier<InputStream> stdin) {
            this.label = label;
            this.stdin = stdin;
        }

        @Override
        public String digest() {
            return label;
        }

        @Override
        public InputStream open() throws IOException {
            if (opened.getAndSet(true)) {
                throw new KilnException(label + ": standard input can be read only once");
            }
            return Decompress.open(stdin.get(), label);
        }
    }

    /** Unbuffered fd 0 (System.in adds a small buffer of its own); the descriptor stays open. */
    private static InputStream stdin() {
        return new FilterInputStream(new FileInputStream(FileDescriptor.in)) {
            @Override
            public void close() {
            }
        };
    }

    /** Tests stand in for standard input (surefire uses the real one). */
    static Image stdin(Supplier<InputStream> in) {
        return new RootfsImage(new StdinLayer("tar:-", in));
    }
}
