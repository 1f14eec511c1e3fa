package dev.kiln.source.oci;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real distribution: {@code debootstrap --variant=minbase bookworm} made into an image with
 * umoci, plus a layer from installing a package with dpkg and deleting documentation (real
 * whiteouts from umoci repack). Flattened and built, it must list like {@code umoci unpack}.
 */
@Tag("slow")
class DebootstrapImageTest {
    @TempDir
    static Path work;
    static Path layout;
    static List<String> expected;

    /** One debootstrap per checkout: target/debootstrap/rootfs, reused while its marker exists. */
    static synchronized Path rootfs() throws IOException {
        Path dir = Path.of("target", "debootstrap").toAbsolutePath();
        Path rootfs = dir.resolve("rootfs");
        if (!Files.exists(dir.resolve("rootfs.done"))) {
            Files.createDirectories(dir);
            Tools.check("rm", "-rf", rootfs.toString());
            Tools.Result r = Tools.run(List.of("debootstrap", "--variant=minbase", "bookworm", rootfs.toString(),
                    mirror()), null, null, 1200);
            if (r.exitCode() != 0) {
                throw new AssertionError("debootstrap failed:\n" + r.output());
            }
            Files.createFile(dir.resolve("rootfs.done"));
        }
        return rootfs;
    }

    /** The Debian mirror this machine's apt uses (the only network tests may reach). */
    static String mirror() throws IOException {
        Pattern uri = Pattern.compile("(https?://\\S+/debian)/?(?:\\s|$)");
        Path sources = Path.of("/etc/apt");
        try (var files = Files.walk(sources)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".list") || f.toString().endsWith(".sources")).toList()) {
                Matcher m = uri.matcher(Files.readString(p));
                if (m.find()) {
                    return m.group(1);
                }
            }
        }
        return "http://deb.debian.org/debian";
    }

    @BeforeAll
    static void build() throws IOException {
        OciFixtures.assumeOciTools();
        Tools.assumeTools("debootstrap", "apt-get", "chroot");
        Path rootfs = rootfs();
        layout = work.resolve("layout");
        OciFixtures.newImage(layout, "t");
        Tools.sh("""
                cd %1$s
                umoci unpack --image layout:t bundle
                cp -a %2$s/. bundle/rootfs/
                umoci repack --image layout:t bundle
                # a bundle repacks against the manifest it was unpacked from: unpack the new one
                rm -rf bundle && umoci unpack --image layout:t bundle
                mkdir debs && cd debs && apt-get download -q hello >/dev/null && cd ..
                cp debs/*.deb bundle/rootfs/tmp/hello.deb
                chroot bundle/rootfs dpkg -i /tmp/hello.deb >/dev/null
                rm -f bundle/rootfs/tmp/hello.deb
                rm -rf bundle/rootfs/usr/share/doc/* bundle/rootfs/usr/share/man
                umoci repack --image layout:t bundle
                rm -rf bundle debs
                """.formatted(work, rootfs));
        try (var image = dev.kiln.source.Sources.open("oci:" + layout + ":t", dev.kiln.image.SourceOptions.defaults())) {
            assertThat(image.layers()).hasSize(2);
        }
        expected = OciFixtures.reference(layout, "t", work);
        assertThat(expected).hasSizeGreaterThan(5000).anyMatch(l -> l.startsWith("/usr/bin/hello|f|0755"))
                .noneMatch(l -> l.startsWith("/usr/share/man|")).anyMatch(l -> l.startsWith("/usr/share/doc|d"));
    }

    @Test
    void flattensLikeUmociUnpack() throws IOException {
        assertThat(OciFixtures.flattened("oci:" + layout + ":t")).containsExactlyElementsOf(expected);
    }

    @Test
    void ext4ImageMatchesUmociUnpack() throws IOException {
        assertThat(OciFixtures.built("oci:" + layout + ":t", work, expected)).containsExactlyElementsOf(expected);
    }
}
