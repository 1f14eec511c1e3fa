package dev.kiln.output;

import dev.kiln.entry.EntryStream;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a kernel+initrd output takes its kernel from. Whichever image it comes from, the one
 * rule of {@link KernelChoice} picks the file.
 */
public sealed interface KernelSource {

    /** Opens an image's final entries. Output never opens images itself; its caller does. */
    @FunctionalInterface
    interface Opener {
        EntryStream open() throws IOException;
    }

    /** A kernel file on the host ({@code --kernel FILE}). */
    record HostFile(Path file) implements KernelSource {
    }

    /**
     * Another image's kernel ({@code --kernel-image REF}, LinuxKit's kernel images).
     *
     * @param name   how messages name the image (its reference)
     * @param opener opened once, after the build's own entries are written, and closed here
     */
    record OtherImage(String name, Opener opener) implements KernelSource {
    }

    /** The built tree's own kernel; a top-level {@code /kernel} is then left out of the initrd. */
    record BuiltTree() implements KernelSource {
    }
}
