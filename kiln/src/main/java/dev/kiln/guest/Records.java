package dev.kiln.guest;

import dev.kiln.UnsupportedInput;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What kiln-init reads (kiln/src/main/c/PROTOCOL.md): "key=value" records, each ended by a NUL
 * byte. NUL cannot occur in an argument, an environment string or a path, so nothing is quoted.
 */
final class Records {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** @throws UnsupportedInput when the value (from an image's config, say) holds a NUL byte */
    void put(String key, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new UnsupportedInput("kiln-init's " + key, "the value \"" + value
                    + "\" holds a NUL byte, which no argument, environment string or path can");
        }
        out.writeBytes((key + "=" + value).getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
