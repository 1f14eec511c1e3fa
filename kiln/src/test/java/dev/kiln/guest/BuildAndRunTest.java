package dev.kiln.guest;

import dev.kiln.cli.Main;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through the CLI: a busybox image made with umoci from Debian's busybox-static,
 * `kiln build oci:...` with overrides, then `kiln run` under QEMU (TCG).
 */
@Tag("slow")
class BuildAndRunTest {
    @Test
    void umociBusyboxImageBootsIntoItsEntrypointWithOverrides(@TempDir Path tmp) throws IOException {
        Path kernel = BootSupport.kernel();
        Tools.assumeTools("umoci", "busybox");
        Tools.assumeRoot();
        Path layout = tmp.resolve("layout");
        Path bundle = tmp.resolve("bundle");
        Tools.check("umoci", "init", "--layout", layout.toString());
        Tools.check("umoci", "new", "--image", layout + ":base");
        Tools.check("umoci", "unpack", "--image", layout + ":base", bundle.toString());
        Path rootfs = bundle.resolve("rootfs");
        Tools.sh("cd " + rootfs + " && mkdir -p bin usr/bin etc data && cp \"$(command -v busybox)\" bin/busybox"
                + " && for a in $(bin/busybox --list); do [ \"$a\" = busybox ] || ln -s busybox bin/$a; done");
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app\n");
        Files.writeString(rootfs.resolve("usr/bin/show"), BootSupport.SHOW);
        Tools.check("chmod", "755", rootfs.resolve("usr/bin/show").toString());
        Tools.check("umoci", "repack", "--image", layout + ":base", bundle.toString());
        Tools.check("umoci", "config", "--image", layout + ":base", "--tag", "app",
                "--config.entrypoint", "/usr/bin/show", "--config.entrypoint", "from-entrypoint",
                "--config.cmd", "from-cmd", "--config.env", "PATH=/usr/bin:/bin", "--config.env", "EXIT_CODE=3",
                "--config.env", "FROM_IMAGE=yes", "--config.user", "app", "--config.workingdir", "/data/app");

        Path image = tmp.resolve("app.ext4");
        assertThat(Main.run("build", "oci:" + layout + ":app", "-o", image.toString(), "-q",
                "--cmd", "over", "--cmd", "two words", "--env", "EXIT_CODE=42", "--env", "ADDED=1",
                "--hostname", "kiln-oci")).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "cat /etc/kiln/image.json")).contains("\"user\" : \"app\"");

        PrintStream stdout = System.out;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
            status = Main.run("run", image.toString(), "--kernel", kernel.toString(), "--accel", "tcg",
                    "--append", "quiet", "--timeout", "180s");
        } finally {
            System.setOut(stdout);
        }
        String out = console.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(status).isEqualTo(42);
        List<String> show = out.lines().map(l -> l.replace("\r", "")).filter(l -> l.startsWith("show: "))
                .map(l -> l.substring(6)).toList();
        assertThat(show).containsSubsequence("uid=1000 gid=1000 groups=1000 50", "cwd=/data/app",
                "arg=/usr/bin/show", "arg=from-entrypoint", "arg=over", "arg=two words");
        assertThat(show.stream().filter(l -> l.startsWith("env ")).toList()).containsExactlyInAnyOrder(
                "env ADDED=1", "env EXIT_CODE=42", "env FROM_IMAGE=yes", "env HOME=/home/app",
                "env PATH=/usr/bin:/bin", "env PWD=/data/app", "env SHLVL=1");
        assertThat(show).contains("hostname=kiln-oci");
        assertThat(out).contains("kiln-init: exit status 42");
    }
}
