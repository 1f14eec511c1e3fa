package dev.kiln.run;

import dev.kiln.KilnException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host port forwarded to a guest port through QEMU's user-mode network, written as for
 * `docker run -p`: [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp].
 *
 * @param hostAddress the host address to listen on; empty for every address (as Docker does)
 */
public record PortForward(String protocol, String hostAddress, int hostPort, int guestPort) {
    private static final Pattern SYNTAX = Pattern.compile("(?:(\\[[0-9a-fA-F:.]+]|[0-9.]+):)?(\\d+):(\\d+)(?:/(tcp|udp))?");

    public static PortForward parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new KilnException("-p " + text + ": expected [HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|/udp], such as 8080:80");
        }
        String address = m.group(1) == null ? "" : m.group(1);
        if (address.startsWith("[")) {
            throw new KilnException("-p " + text + ": QEMU's user-mode network forwards IPv4 host addresses only");
        }
        return new PortForward(m.group(4) == null ? "tcp" : m.group(4), address,
                port(text, m.group(2)), port(text, m.group(3)));
    }

    private static int port(String text, String digits) {
        int port = digits.length() > 5 ? -1 : Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new KilnException("-p " + text + ": port " + digits + " is not between 1 and 65535");
        }
        return port;
    }

    /** QEMU's -netdev user hostfwd value; the guest address is left to QEMU (10.0.2.15). */
    String hostfwd() {
        return protocol + ":" + hostAddress + ":" + hostPort + "-:" + guestPort;
    }

    @Override
    public String toString() {
        return (hostAddress.isEmpty() ? "" : hostAddress + ":") + hostPort + ":" + guestPort + "/" + protocol;
    }
}
