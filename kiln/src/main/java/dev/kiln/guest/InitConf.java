package dev.kiln.guest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes /etc/kiln/init.conf: a sequence of "key=value" records, each ended by a NUL byte.
 * Repeated keys (arg, env, agent_arg, agent_env) form lists in order. NUL cannot occur in an
 * argument or environment string, so the format needs no quoting and kiln-init parses it with
 * strlen.
 */
final class InitConf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void put(String key, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(key + ": value contains NUL");
        }
        out.writeBytes((key + "=" + value).getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
