package dev.kiln;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;

import static org.assertj.core.api.Assertions.assertThat;

/** Each typed error builds its one line from its fields, and keeps the fields for callers to branch on. */
class TypedErrorsTest {
    private static final String D = "sha256:" + "a".repeat(64);
    private static final String OTHER = "sha256:" + "b".repeat(64);

    @Test
    void digestMismatchSaysWhatHashedToWhat() {
        DigestMismatch m = DigestMismatch.hashes(D, D, "blob content", OTHER);
        assertThat(m).isInstanceOf(KilnException.class)
                .hasMessage(D + ": digest mismatch: blob content hashes to " + OTHER);
        assertThat(m.digest()).isEqualTo(D);
        assertThat(m.actual()).isEqualTo(OTHER);

        DigestMismatch named = DigestMismatch.hashes("registry.test/app@" + D, D, "the registry's manifest", OTHER)
                .withSizes(10, 12).withHint("nothing was cached");
        assertThat(named).hasMessage("registry.test/app@" + D + ": digest mismatch: the registry's manifest of 10 bytes"
                + " hashes to " + OTHER + " (expected 12 bytes); nothing was cached");
        assertThat(named.actualSize()).isEqualTo(10);
        assertThat(named.expectedSize()).isEqualTo(12);
    }

    @Test
    void aHintKeepsWhereTheMismatchWasFound() {
        DigestMismatch found = DigestMismatch.hashes(D, D, "content", OTHER);
        DigestMismatch annotated = found.withHint("the cached copy was removed");
        assertThat(annotated.getStackTrace()).isEqualTo(found.getStackTrace());
        assertThat(annotated).hasMessage(D + ": digest mismatch: content hashes to " + OTHER
                + "; the cached copy was removed");
    }

    /** A caller adding where it happened keeps the type, so library callers can still branch on it. */
    @Test
    void contextAddedOnTheWayUpKeepsTheType() {
        KilnException e = new NotFound("ns/app:v1", "", "(404)").within("services[1] (web)");
        assertThat(e).isInstanceOf(NotFound.class).hasMessage("services[1] (web): ns/app:v1: not found (404)");
        assertThat(((NotFound) e).subject()).isEqualTo("ns/app:v1");
        assertThat(e.within("machine.yaml")).hasMessage("machine.yaml: services[1] (web): ns/app:v1: not found (404)");

        DigestMismatch m = (DigestMismatch) DigestMismatch.hashes(D, D, "content", OTHER).within("layer 2");
        assertThat(m.withHint("nothing was cached")).as("annotating by copy keeps the place")
                .hasMessage("layer 2: " + D + ": digest mismatch: content hashes to " + OTHER + "; nothing was cached");
    }

    @Test
    void aBlobOfTheWrongLengthIsAMismatchToo() {
        DigestMismatch shorter = DigestMismatch.size(D, 5, 9);
        assertThat(shorter).hasMessage(D + ": blob is truncated: 5 bytes, descriptor says 9");
        assertThat(shorter.actual()).isNull();
        assertThat(DigestMismatch.size(D, 10, 9)).hasMessage(D + ": blob is larger than its descriptor's size 9");
    }

    @Test
    void notFoundNamesWhatItLookedFor() {
        assertThat(new NotFound("kiln.yaml", "spec file", "")).hasMessage("kiln.yaml: spec file not found");
        NotFound onPath = new NotFound("qemu-system-x86_64", "", "on PATH; install QEMU");
        assertThat(onPath).hasMessage("qemu-system-x86_64: not found on PATH; install QEMU");
        assertThat(onPath.subject()).isEqualTo("qemu-system-x86_64");
        assertThat(new NotFound("r.test/app:v1", "", "(404): MANIFEST_UNKNOWN manifest unknown"))
                .hasMessage("r.test/app:v1: not found (404): MANIFEST_UNKNOWN manifest unknown");
    }

    @Test
    void unauthorizedSaysWhoRefusedWhomAndHowToLogIn() {
        assertThat(new Unauthorized("r.test/app:v1", 401, null, "user alice (from --creds)", ""))
                .hasMessage("r.test/app:v1: authentication failed (401 Unauthorized) for user alice (from --creds)");
        Unauthorized anonymous = new Unauthorized("r.test/app:v1", 401, null, null, "UNAUTHORIZED access to the requested resource");
        assertThat(anonymous).hasMessage("r.test/app:v1: authentication required (401 Unauthorized), no credentials"
                + " found; pass --creds USER:PASS or run docker login: UNAUTHORIZED access to the requested resource");
        assertThat(anonymous.hadCredentials()).isFalse();
        assertThat(new Unauthorized("r.test/app:v1", 403, null, "user bob (from --creds)", ""))
                .hasMessage("r.test/app:v1: access denied (403 Forbidden) for user bob (from --creds)");
        Unauthorized token = new Unauthorized("r.test/app:v1", 401, "token server https://auth.test/token", null, "");
        assertThat(token).hasMessage("r.test/app:v1: authentication failed (401 from token server https://auth.test/token),"
                + " anonymous; pass --creds USER:PASS or run docker login");
        assertThat(token.status()).isEqualTo(401);
        assertThat(token.server()).isEqualTo("token server https://auth.test/token");
    }

    @Test
    void unsupportedInputNamesTheInput() {
        UnsupportedInput u = new UnsupportedInput("--arch s390x", "expected x86_64 (amd64) or aarch64 (arm64)");
        assertThat(u).hasMessage("--arch s390x: expected x86_64 (amd64) or aarch64 (arm64)");
        assertThat(u.subject()).isEqualTo("--arch s390x");
    }

    @Test
    void limitExceededGivesValueAndLimit() {
        LimitExceeded bytes = LimitExceeded.of("t.tar: usr/bin/x", "PAX header", 8388625, 8388608, "bytes");
        assertThat(bytes).hasMessage("t.tar: usr/bin/x: PAX header of 8388625 bytes exceeds the limit of 8388608 bytes (8 MiB)");
        assertThat(bytes.value()).isEqualTo(8388625);
        assertThat(bytes.limit()).isEqualTo(8388608);
        assertThat(LimitExceeded.of("t.tar: s", "sparse map", 11, 10, ""))
                .hasMessage("t.tar: s: sparse map of 11 exceeds the limit of 10");
        IOException writer = new IOException("/x: uid 4294967296 is beyond ext4's limit of 4294967295");
        LimitExceeded reported = LimitExceeded.reported(writer.getMessage(), 4294967296L, 4294967295L, writer);
        assertThat(reported).hasMessage(writer.getMessage()).hasCause(writer);
        assertThat(reported.subject()).isNull();
    }

    @Test
    void aWriteFailureWithoutAPathGetsTheFileItWasWriting() {
        IOException full = new IOException("No space left on device");
        PathFailure f = PathFailure.ofWrite("out.img", full).orElseThrow();
        assertThat(f).hasMessage("out.img: no space left on device").hasCause(full);
        assertThat(f.path()).isEqualTo("out.img");
        assertThat(f.reason()).isEqualTo("no space left on device");
        // Not a write failure, or one that names its own file: left to be thrown as it is.
        assertThat(PathFailure.ofWrite("out.img", new IOException("Connection reset"))).isEmpty();
        assertThat(PathFailure.ofWrite("out.img", new AccessDeniedException("/etc/x"))).isEmpty();
    }
}
