package dev.kiln.source.oci;

import dev.kiln.KilnException;
import dev.kiln.image.MediaTypes;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Layer blobs whose bytes do not decode as their media type says: errors name the layer (BlobLayer.decoded). */
class BlobLayerDecodingTest {
    private static final String DIGEST = "sha256:ab12";

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] decode(byte[] blob, MediaTypes.Compression compression) throws IOException {
        try (InputStream in = BlobLayer.decoded(new ByteArrayInputStream(blob), DIGEST, compression)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aGzipLayerThatIsNotGzipNamesTheLayer() {
        assertThatThrownBy(() -> decode(new byte[1024], MediaTypes.Compression.GZIP))
                .isInstanceOf(KilnException.class)
                .hasMessage("sha256:ab12: not gzip data");
        assertThatThrownBy(() -> decode(new byte[1024], MediaTypes.Compression.ZSTD))
                .isInstanceOf(KilnException.class)
                .hasMessage("sha256:ab12: corrupt zstd data: unknown frame descriptor");
    }

    @Test
    void dataAfterTheLastGzipMemberFailsTheLayer() throws IOException {
        byte[] gz = gzip(new byte[5000]);
        assertThat(decode(gz, MediaTypes.Compression.GZIP)).hasSize(5000);
        byte[] trailing = java.util.Arrays.copyOf(gz, gz.length + 3);
        trailing[gz.length] = 'x';
        assertThatThrownBy(() -> decode(trailing, MediaTypes.Compression.GZIP))
                .isInstanceOf(KilnException.class)
                .hasMessage("sha256:ab12: unexpected data after the end of the gzip stream at compressed byte " + gz.length);
        assertThatThrownBy(() -> decode(trailing, MediaTypes.Compression.DETECT))
                .hasMessage("sha256:ab12: unexpected data after the end of the gzip stream at compressed byte " + gz.length);
    }

    @Test
    void aTruncatedLayerSaysSo() throws IOException {
        byte[] gz = gzip(new byte[100_000]);
        byte[] cut = java.util.Arrays.copyOf(gz, gz.length - 20);
        assertThatThrownBy(() -> decode(cut, MediaTypes.Compression.GZIP))
                .isInstanceOf(KilnException.class)
                .hasMessage("sha256:ab12: truncated gzip data");
    }
}
