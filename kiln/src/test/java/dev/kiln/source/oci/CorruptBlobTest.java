package dev.kiln.source.oci;

import dev.kiln.DigestMismatch;
import dev.kiln.KilnException;
import dev.kiln.image.MediaTypes;
import dev.kiln.tar.Decompress;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A blob that is not what its digest says fails as a {@link DigestMismatch}, and the decisions
 * taken on corrupt blobs branch on that type, not on the message.
 */
class CorruptBlobTest {
    private static final byte[] ZEROS = new byte[1024];

    private static String sha256(byte[] data) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static void readAll(InputStream in) throws IOException {
        try (in) {
            in.readAllBytes();
        }
    }

    @Test
    void contentOfAnotherDigestIsADigestMismatchWithBothDigests() throws Exception {
        String claimed = sha256(new byte[] {1});
        String actual = sha256(ZEROS);
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(ZEROS), claimed, ZEROS.length);
        assertThatThrownBy(() -> readAll(in)).isInstanceOfSatisfying(DigestMismatch.class, m -> {
            assertThat(m.digest()).isEqualTo(claimed);
            assertThat(m.actual()).isEqualTo(actual);
            assertThat(m).hasMessage(claimed + ": digest mismatch: blob content hashes to " + actual);
        });
    }

    @Test
    void theStoreSeesTheMismatchAndChoosesWhatIsThrown() throws Exception {
        String digest = sha256(ZEROS);
        AtomicReference<DigestMismatch> seen = new AtomicReference<>();
        VerifyingInputStream in = new VerifyingInputStream(new ByteArrayInputStream(ZEROS, 0, 1000), digest, ZEROS.length);
        in.onCorrupt(m -> {
            seen.set(m);
            return m.withHint("the copy was dropped");
        });
        assertThatThrownBy(() -> readAll(in)).isInstanceOf(DigestMismatch.class)
                .hasMessage(digest + ": blob is truncated: 1000 bytes, descriptor says 1024; the copy was dropped");
        assertThat(seen.get().actualSize()).isEqualTo(1000);
        assertThat(seen.get().expectedSize()).isEqualTo(1024);
    }

    @Test
    void aDigestMismatchIsReportedRatherThanTheDecodingErrorItCaused() throws Exception {
        String claimed = sha256(new byte[] {1});
        InputStream blob = new VerifyingInputStream(new ByteArrayInputStream(ZEROS), claimed, ZEROS.length);
        assertThatThrownBy(() -> readAll(BlobLayer.decoded(blob, claimed, MediaTypes.Compression.GZIP)))
                .isInstanceOf(DigestMismatch.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasAtLeastOneElementOfType(Decompress.CorruptInput.class));
    }

    @Test
    void anotherFailureOfTheBlobLeavesTheDecodingError() {
        // A download that breaks off while the rest of a corrupt blob is drained says nothing of why it is corrupt.
        InputStream blob = new InputStream() {
            int left = ZEROS.length;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    throw new KilnException("sha256:ab12: download failed");
                }
                int n = Math.min(len, left);
                left -= n;
                return n;
            }
        };
        assertThatThrownBy(() -> readAll(BlobLayer.decoded(blob, "sha256:ab12", MediaTypes.Compression.GZIP)))
                .isInstanceOf(Decompress.CorruptInput.class)
                .hasMessage("sha256:ab12: not gzip data");
    }
}
