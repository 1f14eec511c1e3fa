package dev.kiln.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Loads and initialises, on a second core, the classes a build needs next while the main thread
 * is still parsing the command line: a build spends a third of its start-up there (picocli's
 * model is built by reflection and cannot be class-data shared), and the JSON mapper, the digest
 * provider and the image writer would otherwise be loaded only after it, one after the other.
 * Purely a head start: every class is initialised on first use anyway, so a failure here is
 * ignored and changes nothing but timing.
 */
final class ClassWarmup {
    /** Each is a root whose initialisation pulls in a large, independent part of the class graph. */
    static final List<String> ROOTS = List.of(
            "dev.kiln.source.oci.BlobStore",       // Jackson's ObjectMapper
            "dev.kiln.ext4.Ext4Writer",
            "dev.kiln.ext4.ImageFinisher",
            "dev.kiln.flatten.Flattener",
            "dev.kiln.tar.TarReader",
            "dev.kiln.guest.GuestStage",
            "java.util.zip.GZIPInputStream");

    private ClassWarmup() {
    }

    static void start() {
        Thread t = new Thread(ClassWarmup::run, "kiln-class-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        ClassLoader loader = ClassWarmup.class.getClassLoader();
        try {
            MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // reported where a digest is really needed
        }
        for (String name : ROOTS) {
            try {
                Class.forName(name, true, loader);
            } catch (Throwable e) {
                // a head start only; the real use reports any problem
            }
        }
    }
}
