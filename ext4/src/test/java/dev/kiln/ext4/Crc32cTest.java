package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

class Crc32cTest {
    @Test
    void rawRegisterMatchesTheJdkAfterStandardSeedAndInversion() {
        byte[] data = "123456789".getBytes(StandardCharsets.US_ASCII);
        CRC32C jdk = new CRC32C();
        jdk.update(data);
        assertThat(~Crc32c.update(~0, data) & 0xFFFFFFFFL).isEqualTo(jdk.getValue()).isEqualTo(0xE3069283L);
    }

    @Test
    void chainingEqualsOneUpdateOverTheConcatenation() {
        byte[] a = {1, 2, 3};
        byte[] b = {(byte) 0x78, (byte) 0x56, (byte) 0x34, (byte) 0x12};
        int chained = Crc32c.updateInt(Crc32c.update(~0, a), 0x12345678);
        int whole = Crc32c.update(Crc32c.update(~0, a), b);
        assertThat(chained).isEqualTo(whole);
    }
}
