package dev.kiln.cli;

import dev.kiln.cli.SpecFileTest.Run;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.kiln.cli.SpecFileTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kiln build of a composed machine from a kiln.yaml, without booting it: tar: images made with
 * GNU tar, checked in the tar output (GNU tar lists it) and the ext4 one (e2fsck, debugfs).
 * Boots are in guest.ComposedSpecBootTest.
 */
class ComposeBuildTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void images() throws IOException {
        Tools.assumeTools("tar", "e2fsck", "debugfs");
        image("base", "etc/hostname=base", "etc/motd=from base", "bin/tool=base tool");
        image("over", "etc/motd=from over", "usr/bin/extra=over");
        image("web", "bin/sh=same bytes", "etc/web=web", "etc/passwd=root:x:0:0::/:/bin/sh");
        image("fetch", "bin/sh=same bytes", "etc/fetch=fetch");
    }

    /** A root filesystem tar {@code NAME.tar} of PATH=CONTENT files, made with GNU tar. */
    private void image(String name, String... files) throws IOException {
        Path root = tmp.resolve("src-" + name);
        for (String f : files) {
            Path p = root.resolve(f.substring(0, f.indexOf('=')));
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.substring(f.indexOf('=') + 1));
        }
        Tools.check("tar", "--numeric-owner", "--owner=0", "--group=0", "--mtime=@1600000000", "-C", root.toString(),
                "-cf", tmp.resolve(name + ".tar").toString(), ".");
    }

    private Path spec(String yaml) throws IOException {
        return Files.writeString(tmp.resolve("kiln.yaml"), yaml);
    }

    @Test
    void initImagesAndContainersMakeOneMachineInEveryOutput() throws IOException {
        Path spec = spec("""
                init: [tar:base.tar, tar:over.tar]
                onboot_failure: poweroff
                onboot:
                  - name: setup
                    image: tar:fetch.tar
                    command: [/bin/sh, -c, "echo ready > /state/flag"]
                    binds: [/run/state:/state]
                    timeout: 30
                services:
                  - name: web
                    image: tar:web.tar
                    command: [/bin/sh, -c, "exec httpd -f"]
                    binds: ["/run/state:/www:ro"]
                    env: {MODE: demo}
                    user: "1000:1000"
                    capabilities: [CAP_NET_BIND_SERVICE]
                  - {name: fetch, image: tar:fetch.tar, command: [/bin/sh], net: none, readonly: true}
                onshutdown:
                  - {name: bye, image: tar:fetch.tar, command: [sync]}
                outputs:
                  - path: machine.ext4
                  - path: machine.tar
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");
        assertThat(r.exit()).as(r.err()).isZero();

        String listing = Tools.check("tar", "-tvf", tmp.resolve("machine.tar").toString());
        // init images merged in order, the later winning; kiln-init is the init
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("machine.tar").toString(), "etc/motd")).isEqualTo("from over");
        assertThat(listing).contains(" bin/tool", " usr/bin/extra", " sbin/init", " etc/kiln/init.conf");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("machine.tar").toString(), "etc/kiln/init.conf"))
                .isEqualTo("onboot_failure=poweroff\0");
        // each container in its own root, its config beside it, readable by root only
        String web = "containers/services/000-web";
        assertThat(listing).contains(" containers/onboot/000-setup/rootfs/etc/fetch", " " + web + "/rootfs/etc/web",
                " containers/services/001-fetch/rootfs/bin/sh", " containers/onshutdown/000-bye/config");
        assertThat(listing.lines().filter(l -> l.endsWith(" " + web + "/config"))).singleElement().asString()
                .startsWith("-rw------- 0/0");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("machine.tar").toString(), web + "/config")).isEqualTo(
                "arg=/bin/sh\0arg=-c\0arg=exec httpd -f\0env=MODE=demo\0user=1000:1000\0cap=CAP_NET_BIND_SERVICE\0"
                        + "bind=/run/state:/www:ro\0net=host\0");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("machine.tar").toString(),
                "containers/onboot/000-setup/config")).contains("bind=/run/state:/state:rw\0", "timeout=30\0");
        assertThat(Tools.check("tar", "-xOf", tmp.resolve("machine.tar").toString(),
                "containers/services/001-fetch/config")).contains("net=none\0readonly=true\0");
        // the root's own files stay out of the containers, the containers' out of the root
        assertThat(listing).doesNotContain(" " + web + "/rootfs/etc/motd", " etc/web", " etc/fetch");

        Path ext4 = tmp.resolve("machine.ext4");
        Ext4Image.assertClean(ext4);
        assertThat(Ext4Image.debugfs(ext4, "cat /" + web + "/rootfs/etc/web")).isEqualTo("web");
        // the same bytes in two containers are two inodes: what one container changes, no other sees
        assertThat(inode(ext4, "/" + web + "/rootfs/bin/sh")).isNotEqualTo(
                inode(ext4, "/containers/services/001-fetch/rootfs/bin/sh"));
        assertThat(Ext4Image.debugfs(ext4, "stat /" + web + "/rootfs/bin/sh")).contains("Links: 1");
    }

    private static String inode(Path image, String path) {
        return Ext4Image.debugfs(image, "stat " + path).lines().filter(l -> l.startsWith("Inode:")).findFirst()
                .orElseThrow().split("\\s+")[1];
    }

    @Test
    void withoutImageOrInitTheRootHoldsKilnInitAndTheContainersOnly() throws IOException {
        Path spec = spec("""
                services:
                  - {name: web, image: tar:web.tar, command: [/bin/sh]}
                outputs: [{path: machine.tar}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");
        assertThat(r.exit()).as(r.err()).isZero();

        List<String> top = Tools.check("tar", "-tf", tmp.resolve("machine.tar").toString()).lines()
                .map(l -> l.replaceAll("^\\./", "").replaceAll("/.*", "")).distinct().sorted().toList();
        assertThat(top).containsExactly("", "containers", "dev", "etc", "proc", "run", "sbin", "sys", "tmp");
    }

    @Test
    void aMainImageIsTheRootOverTheInitImagesAndGivesTheMainProgram() throws IOException {
        Path spec = spec("""
                image: tar:over.tar
                init: [tar:base.tar]
                entrypoint: [/usr/bin/extra]
                services:
                  - {name: web, image: tar:web.tar, command: [/bin/sh]}
                outputs: [{path: machine.tar}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");
        assertThat(r.exit()).as(r.err()).isZero();

        Path out = tmp.resolve("machine.tar");
        assertThat(Tools.check("tar", "-xOf", out.toString(), "etc/motd")).isEqualTo("from over");
        assertThat(Tools.check("tar", "-xOf", out.toString(), "etc/hostname")).isEqualTo("base");
        assertThat(Tools.check("tar", "-xOf", out.toString(), "etc/kiln/init.conf")).isEqualTo("entrypoint=/usr/bin/extra\0");
    }

    @Test
    void anImageThatDoesNotResolveNamesTheFileLineAndKeyAndWritesNothing() throws IOException {
        Path spec = spec("""
                services:
                  - name: web
                    image: tar:web.tar
                    command: [/bin/sh]
                  - name: fetch
                    image: tar:missing.tar
                    command: [/bin/sh]
                outputs: [{path: machine.ext4}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: " + spec + ":6: services[1].image: tar:" + tmp.resolve("missing.tar")
                + ": no such file\n");
        assertThat(tmp.resolve("machine.ext4")).doesNotExist();
    }

    @Test
    void aContainerWithNothingToRunNamesWhereItWasGiven() throws IOException {
        Path spec = spec("""
                services:
                  - {name: web, image: tar:web.tar, command: [/bin/sh]}
                  - {name: idle, image: tar:fetch.tar}
                outputs: [{path: machine.ext4}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: " + spec + ":3: services[1]: command: empty; the image has no Entrypoint "
                + "or Cmd, so give a command\n");
        assertThat(tmp.resolve("machine.ext4")).doesNotExist();
    }

    @Test
    void standardInputIsOneImageAtMost() throws IOException {
        Path spec = spec("""
                init: [tar:-]
                services:
                  - {name: web, image: "tar:-", command: [/bin/sh]}
                outputs: [{path: machine.ext4}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");

        assertThat(r.err()).isEqualTo("kiln: " + spec + ":3: services[0].image: tar:-: standard input can be read "
                + "once, and " + spec + ":1: init[0] reads it already\n");
    }

    /** Images of two platforms (made with umoci) cannot make one machine; --platform picks one for all. */
    @Test
    void everyImageIsOfOnePlatform() throws IOException {
        Tools.assumeTools("umoci");
        Path layout = tmp.resolve("layout");
        Tools.check("umoci", "init", "--layout", layout.toString());
        for (String arch : List.of("amd64", "arm64")) {
            Tools.check("umoci", "new", "--image", layout + ":new-" + arch);
            Tools.check("umoci", "config", "--image", layout + ":new-" + arch, "--tag", arch, "--os", "linux",
                    "--architecture", arch, "--config.cmd", "/bin/sh");
        }
        Path spec = spec("""
                services:
                  - {name: a, image: "oci:layout:amd64"}
                  - {name: b, image: "oci:layout:arm64"}
                outputs: [{path: machine.ext4}]
                """);

        Run r = kiln("build", "-f", spec.toString(), "-q");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: " + spec + ":3: services[1].image: oci:" + layout + ":arm64: an image "
                + "for linux/arm64, but the machine is linux/amd64 (from " + spec + ":2: services[0].image: oci:"
                + layout + ":amd64); every image of a machine must be of one platform: give --platform, or images "
                + "that have it\n");
        // --platform applies to every image: the source itself refuses one that is not of it
        Run picked = kiln("build", "-f", spec.toString(), "--platform", "linux/arm64", "-q");
        assertThat(picked.err()).startsWith("kiln: " + spec + ":2: services[0].image: oci:" + layout + ":amd64: ")
                .endsWith(": no image for platform linux/arm64; present: linux/amd64\n");
    }
}
