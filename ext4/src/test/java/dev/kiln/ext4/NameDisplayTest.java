package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Names from an image reach messages on one line, whatever bytes a crafted image holds. */
class NameDisplayTest {
    @Test
    void controlCharactersAndBytesThatAreNotUtf8AreEscaped() {
        assertThat(Namespace.show("a\nb".getBytes(StandardCharsets.UTF_8))).isEqualTo("a\\x0ab");
        assertThat(Namespace.show("caf\u00e9".getBytes(StandardCharsets.UTF_8))).isEqualTo("caf\u00e9");
        assertThat(Namespace.show(new byte[] {'x', (byte) 0xff, 0x1b})).isEqualTo("x\\xff\\x1b");
    }

    @Test
    void longNamesAreCut() {
        assertThat(Namespace.show("n".repeat(5000).getBytes(StandardCharsets.US_ASCII))).hasSize(1003).endsWith("...");
    }
}
