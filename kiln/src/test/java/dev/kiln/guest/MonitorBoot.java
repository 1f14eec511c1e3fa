package dev.kiln.guest;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A q35 boot with QEMU's human monitor on a Unix socket, for what only the VMM can do to a
 * guest (press the ACPI power button, send keys); `kiln run` has no monitor.
 */
final class MonitorBoot {
    private MonitorBoot() {
    }

    /**
     * Boots the ext4 image, waits for a console line equal to {@code ready}, sends the monitor
     * {@code command}, and returns the console lines once QEMU has exited.
     */
    static List<String> q35(Path kernel, Path image, String ready, String command) throws Exception {
        Path dir = Files.createTempDirectory("kiln-monitor");
        Path socket = dir.resolve("monitor");
        Process qemu = new ProcessBuilder("qemu-system-x86_64", "-M", "q35", "-accel", "tcg", "-cpu", "max", "-m", "512M",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-serial", "stdio",
                "-monitor", "unix:" + socket + ",server,nowait", "-kernel", kernel.toString(),
                "-append", "console=ttyS0 root=/dev/vda rw reboot=t panic=-1 quiet",
                "-drive", "file=" + image + ",format=raw,if=virtio")
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch up = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    line = line.replace("\r", "");
                    System.out.println(line);
                    lines.add(line);
                    if (line.equals(ready)) {
                        up.countDown();
                    }
                }
            } catch (IOException ignored) {
                // QEMU ended
            }
        });
        reader.start();
        try {
            assertThat(up.await(180, TimeUnit.SECONDS)).as("\"%s\" on the console", ready).isTrue();
            try (SocketChannel monitor = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                monitor.connect(UnixDomainSocketAddress.of(socket));
                monitor.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
                assertThat(qemu.waitFor(120, TimeUnit.SECONDS)).as("QEMU ends after " + command).isTrue();
            }
            reader.join(5000);
            return List.copyOf(lines);
        } finally {
            qemu.destroyForcibly();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }
}
