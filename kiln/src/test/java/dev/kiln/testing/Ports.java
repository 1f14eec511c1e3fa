package dev.kiln.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports for servers a test starts in another process (a registry, QEMU's -p forward), which
 * bind them some time after the test picked them.
 */
public final class Ports {
    /**
     * Below Linux's ephemeral range (32768 and up by default): a port the kernel hands out for
     * bind(0) or an outgoing connection meanwhile is never one of these.
     */
    private static final int FIRST = 20000;
    private static final int LAST = 32000;

    private Ports() {
    }

    /** A port on 127.0.0.1 that nothing listens on now, outside the ephemeral range. */
    public static int unused() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        IOException last = null;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(FIRST, LAST);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                last = taken;
            }
        }
        throw new IOException("no unused port in " + FIRST + "-" + LAST, last);
    }
}
