package dev.kiln.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Debian root filesystem for tests, made by debootstrap once and cached under
 * target/debootstrap/ (so once per CI run, and kept between local runs until `mvn clean`).
 *
 * <p>Every test class should use {@link #bookwormSystemd()}: one debootstrap costs minutes on
 * CI, so the project shares a single variant, minbase plus systemd-sysv (for boot tests of an
 * image with its own init). A test that needs an image without init drops /usr/sbin/init and
 * /usr/lib/systemd/systemd from the tree it builds from. Callers must not modify the tree.
 */
public final class Debootstrap {
    private static final String SUITE = "bookworm";
    private static final List<String> INCLUDE = List.of("systemd-sysv");

    private Debootstrap() {
    }

    /** Debian bookworm, --variant=minbase --include=systemd-sysv; skips the test when that cannot be made. */
    public static synchronized Path bookwormSystemd() {
        Tools.assumeTools("debootstrap");
        Tools.assumeRoot();
        Path cache = Path.of(System.getProperty("kiln.debootstrap.cache", "target/debootstrap")).toAbsolutePath();
        Path root = cache.resolve(SUITE + "-minbase-" + String.join("-", INCLUDE));
        Path done = cache.resolve(root.getFileName() + ".done");
        if (Files.exists(done)) {
            return root;
        }
        try {
            Files.createDirectories(cache);
            Path partial = cache.resolve(root.getFileName() + ".partial");
            Tools.run("rm", "-rf", partial.toString(), root.toString());
            String mirror = System.getenv().getOrDefault("KILN_DEBIAN_MIRROR", "http://deb.debian.org/debian");
            long start = System.nanoTime();
            Tools.Result r = Tools.run(List.of("debootstrap", "--variant=minbase", "--include=" + String.join(",", INCLUDE),
                    SUITE, partial.toString(), mirror), null, null, 1200);
            Assumptions.assumeTrue(r.exitCode() == 0, "debootstrap failed (no Debian mirror?): " + tail(r.output()));
            Files.move(partial, root);
            Files.writeString(done, "");
            System.out.printf("[debootstrap] %s in %d s%n", root.getFileName(), (System.nanoTime() - start) / 1_000_000_000L);
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String s) {
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }
}
