package dev.kiln.cli;

import java.io.File;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Loads, on a second core, classes the main thread is about to need while it is still parsing
 * the command line. Start-up is a third of a build of a mid-sized image: picocli builds its
 * model by reflection from classes that class data sharing cannot archive (Java 5 class files),
 * and after it the JSON mapper, the digest provider and the image writer would be loaded one
 * after the other. A head start only: every class is loaded on first use anyway, so a failure
 * here is ignored and changes nothing but timing.
 */
final class ClassWarmup {
    /** Each is a root whose initialisation pulls in a large, independent part of the class graph. */
    static final List<String> ROOTS = List.of(
            "dev.kiln.image.Json",                // Jackson's ObjectMapper
            "dev.kiln.ext4.Ext4Writer",
            "dev.kiln.ext4.ImageFinisher",
            "dev.kiln.flatten.Flattener",
            "dev.kiln.tar.TarReader",
            "dev.kiln.guest.GuestStage",
            "dev.kiln.inflate.Gunzip");            // also unpacks and loads the native inflater
    static final String PICOCLI_PREFIX = "picocli/CommandLine$";

    private ClassWarmup() {
    }

    static void start() {
        Thread t = new Thread(ClassWarmup::run, "kiln-class-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run() {
        ClassLoader loader = ClassWarmup.class.getClassLoader();
        // The main thread loads picocli's classes roughly in the jar's order; loading them from
        // the other end here meets it in the middle instead of racing it for the same class.
        List<String> picocli = picocliClasses();
        Collections.reverse(picocli);
        for (String name : picocli) {
            load(name, false, loader);
        }
        try {
            MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // reported where a digest is really needed
        }
        for (String name : ROOTS) {
            load(name, true, loader);
        }
    }

    private static void load(String name, boolean initialize, ClassLoader loader) {
        try {
            Class.forName(name, initialize, loader);
        } catch (Throwable e) {
            // a head start only; the real use reports any problem
        }
    }

    /** picocli's nested classes, in the jar's order; none when not running from a jar. */
    static List<String> picocliClasses() {
        List<String> names = new ArrayList<>();
        try {
            CodeSource source = picocli.CommandLine.class.getProtectionDomain().getCodeSource();
            File file = source == null ? null : new File(source.getLocation().toURI());
            if (file == null || !file.isFile()) {
                return names;
            }
            try (JarFile jar = new JarFile(file)) {
                jar.stream().map(ZipEntry::getName)
                        .filter(n -> n.startsWith(PICOCLI_PREFIX) && n.endsWith(".class"))
                        .forEach(n -> names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
            }
        } catch (Exception e) {
            // no head start for picocli
        }
        return names;
    }
}
