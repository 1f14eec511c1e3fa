package dev.kiln.inflate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads a JNI library carried in the jar as {@code /dev/kiln/inflate/libNAME-ARCH.so}: copied
 * to a private temporary directory, loaded, and deleted again at once (the loaded code stays
 * mapped), so nothing is left behind. A JVM loads it once.
 */
final class NativeLibrary {
    private NativeLibrary() {
    }

    /** Null when loaded; else why not, as a phrase ("no native inflater for ppc64le"). */
    static String load(String name) {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return "no native inflater for " + System.getProperty("os.name");
        }
        String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
        if (arch == null) {
            return "no native inflater for " + System.getProperty("os.arch");
        }
        String file = "lib" + name + "-" + arch + ".so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(file)) {
            if (in == null) {
                return "this build of Kiln carries no " + file + " (was it built without nasm or make?)";
            }
            Path dir = Files.createTempDirectory("kiln-inflate-"); // rwx for the owner only
            Path lib = dir.resolve(file);
            try {
                Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
                System.load(lib.toString());
            } finally {
                Files.deleteIfExists(lib);
                Files.deleteIfExists(dir);
            }
            return null;
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return "cannot load " + file + " (" + e.getMessage() + ")";
        }
    }
}
