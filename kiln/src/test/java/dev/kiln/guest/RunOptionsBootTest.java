package dev.kiln.guest;

import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `kiln run` as people use `docker run`, through the real CLI with real x86_64 boots (TCG): the
 * command, environment, user and working directory of one boot, extra disks, the network, port
 * forwarding. Every change is for that boot only: the image's files stay as they were.
 */
@Tag("slow")
class RunOptionsBootTest {
    @TempDir
    static Path tmp;
    static Path kernel;
    static Path root;
    static Path image;
    /** A program of another architecture: the aarch64 kiln-init from Kiln's jar. */
    static Path foreignProgram;

    @BeforeAll
    static void busyboxImage() throws IOException {
        kernel = BootSupport.kernel();
        Tools.assumeTools("busybox", "tar");
        root = tmp.resolve("root");
        BootSupport.busyboxRoot(root, Path.of(Tools.check("sh", "-c", "command -v busybox").trim()));
        try (var in = RunOptionsBootTest.class.getResourceAsStream("/dev/kiln/guest/kiln-init-aarch64")) {
            Assumptions.assumeTrue(in != null, "Kiln was built without the aarch64 kiln-init");
            foreignProgram = Files.write(tmp.resolve("arm-program"), in.readAllBytes());
        }
        image = build(root, "image.ext4");
    }

    private static Path build(Path tree, String name) {
        Path out = tmp.resolve(name);
        BootSupport.CliRun b = BootSupport.kiln("build", "dir:" + tree, "-o", out.toString(), "-q",
                "--file", foreignProgram + ":/usr/bin/arm-program:0755",
                "--entrypoint", "/usr/bin/show", "--entrypoint", "from-entrypoint", "--cmd", "from-cmd",
                "--env", "PATH=/usr/bin:/bin", "--env", "FROM_IMAGE=yes", "--env", "EXIT_CODE=3",
                "--user", "app", "--workdir", "/data/app");
        assertThat(b.exit()).as(b.err()).isZero();
        return out;
    }

    private static BootSupport.CliRun run(Path img, String... args) {
        List<String> all = new ArrayList<>(List.of("run", img.toString(), "--kernel", kernel.toString(), "--accel", "tcg",
                "--append", "quiet", "--timeout", "180s"));
        all.addAll(Arrays.asList(args));
        return BootSupport.kiln(all.toArray(String[]::new));
    }

    /** docker run -e -u -w IMAGE CMD: the Cmd is replaced, the Entrypoint stays, the image is untouched. */
    @Test
    void commandEnvironmentUserAndWorkdirForOneBoot() {
        String initConf = Ext4Image.debugfs(image, "cat /etc/kiln/init.conf");

        BootSupport.CliRun r = run(image, "-e", "EXIT_CODE=5", "-e", "ADDED=1", "-u", "root", "-w", "/tmp/work",
                "--", "run-arg", "two words");

        assertThat(r.exit()).as(r.err()).isEqualTo(5);
        assertThat(r.show()).containsSubsequence("uid=0 gid=0 groups=0", "cwd=/tmp/work", "arg=/usr/bin/show",
                "arg=from-entrypoint", "arg=run-arg", "arg=two words").doesNotContain("arg=from-cmd");
        assertThat(r.show()).contains("env ADDED=1", "env EXIT_CODE=5", "env FROM_IMAGE=yes", "env HOME=/root",
                "machine=x86_64").doesNotContain("env EXIT_CODE=3");
        assertThat(Ext4Image.debugfs(image, "cat /etc/kiln/init.conf")).isEqualTo(initConf);

        // the image's own command again on the next boot
        BootSupport.CliRun plain = run(image);
        assertThat(plain.exit()).isEqualTo(3);
        assertThat(plain.show()).contains("arg=from-cmd", "uid=1000 gid=1000 groups=1000 29");
    }

    @Test
    void aNewEntrypointDropsTheImagesCmd() {
        BootSupport.CliRun r = run(image, "--entrypoint", "/bin/sh", "--", "-c", "echo entrypoint-$((40+2)) \"$0\"");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).contains("entrypoint-42 /bin/sh");
    }

    /** kiln-init says why a program of another architecture does not run, where exec only says "Exec format error". */
    @Test
    void aProgramOfAnotherArchitectureIsNamedAsSuch() {
        BootSupport.CliRun r = run(image, "--entrypoint", "/usr/bin/arm-program");
        assertThat(r.exit()).isEqualTo(126);
        assertThat(r.lines()).contains("kiln-init: exec /usr/bin/arm-program: not a program for x86_64 (the architecture "
                + "of this kiln-init and kernel); is the image built for another platform?");
    }

    /** Extra drives follow the image in order: /dev/vdb, /dev/vdc; the guest reads and writes them. */
    @Test
    void extraDisksAreVdbAndVdcInOrder() throws IOException {
        Path b = tmp.resolve("b.img");
        Path c = tmp.resolve("c.img");
        Files.write(b, Arrays.copyOf("disk-b".getBytes(StandardCharsets.UTF_8), 1 << 20));
        Files.write(c, Arrays.copyOf("disk-c".getBytes(StandardCharsets.UTF_8), 2 << 20));

        BootSupport.CliRun r = run(image, "--disk", b.toString(), "--disk", c.toString(), "-u", "root",
                "--entrypoint", "/bin/sh", "--", "-c",
                "echo vdb=$(head -c 6 /dev/vdb) vdc=$(head -c 6 /dev/vdc) root=$(grep -c '^/dev/root / ' /proc/mounts);"
                        + " printf guest! | dd of=/dev/vdc conv=notrunc 2>/dev/null; sync");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).contains("vdb=disk-b vdc=disk-c root=1");
        assertThat(new String(Files.readAllBytes(c), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("guest!");
    }

    /**
     * --net: the guest has an address, a default route to the host (it fetches from a server the
     * test runs there) and QEMU's name server in /etc/resolv.conf, bind-mounted for the boot:
     * the image's own file is unchanged afterwards.
     */
    @Test
    void netGivesAnAddressARouteAndDnsWithoutChangingTheImage() throws IOException {
        com.sun.net.httpserver.HttpServer server = BootSupport.hostServer("from-the-host\n");
        try {
            BootSupport.CliRun r = run(image, "--net", "--entrypoint", "/bin/sh", "--", "-c",
                    "cat /etc/resolv.conf; ip -4 addr show eth0 | grep inet; ip route | grep default;"
                            + " wget -q -O - http://10.0.2.2:" + server.getAddress().getPort() + "/");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.lines()).contains("nameserver 10.0.2.3", "from-the-host").doesNotContain("nameserver 192.0.2.1");
            assertThat(r.out()).contains("inet 10.0.2.15/24").contains("default via 10.0.2.2 dev eth0");
        } finally {
            server.stop(0);
        }
        assertThat(Ext4Image.debugfs(image, "cat /etc/resolv.conf")).isEqualTo(BootSupport.IMAGE_RESOLV_CONF);
        Ext4Image.assertClean(image);
    }

    /** An image without /etc/resolv.conf gets one for the boot; the mount point kiln-init made is gone after. */
    @Test
    void netWithoutAResolvConfInTheImage() throws IOException {
        Path bare = tmp.resolve("no-resolv");
        Tools.check("cp", "-a", root.toString(), bare.toString());
        Files.delete(bare.resolve("etc/resolv.conf"));
        Path img = build(bare, "no-resolv.ext4");

        BootSupport.CliRun r = run(img, "--net", "--entrypoint", "/bin/cat", "--", "/etc/resolv.conf");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).contains("nameserver 10.0.2.3");
        Ext4Image.assertAbsent(img, "/etc/resolv.conf");
        Ext4Image.assertClean(img);
    }

    /** -p HOST:GUEST: busybox httpd in the guest, reached from the host through QEMU's forward. */
    @Test
    void publishForwardsAHostPortToTheGuestsServer() throws Exception {
        int port = dev.kiln.testing.Ports.unused();
        CompletableFuture<BootSupport.CliRun> vm = CompletableFuture.supplyAsync(() -> run(image, "-p", port + ":80",
                "-u", "root", "--entrypoint", "/bin/sh", "--", "-c", "httpd -f -p 80 -h /www; echo httpd-stopped"));

        String page = BootSupport.fetchWhenUp(port, "/index.html", Duration.ofSeconds(150), vm);
        assertThat(page).isEqualTo(BootSupport.WWW_INDEX);
        assertThat(BootSupport.fetchWhenUp(port, "/cgi-bin/stop", Duration.ofSeconds(30), vm)).isEqualTo("stopping\n");

        BootSupport.CliRun r = vm.get(200, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.lines()).contains("httpd-stopped");
    }
}
