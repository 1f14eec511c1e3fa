package dev.kiln.tar;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 10, beyond the list: valid archives of every kind, mutated at random (bits, truncation,
 * insertion, deletion, header fields with and without a fixed checksum, PAX lengths and values),
 * plain and through gzip and zstd, read by the real path (content detection, the decompressing
 * thread, the tar reader, every entry's content). Each case ends in entries or a one-line
 * {@link dev.kiln.KilnException}, within a generous time bound; anything else fails the case,
 * and the input is saved under target/fuzz-crashers for the corpus ({@link FuzzCorpusTest}).
 * The slow variant below runs many more cases.
 */
class TarFuzzTest {
    static final String LABEL = "tar:fuzz";
    static final Duration BOUND = Duration.ofSeconds(30);

    @Provide
    Arbitrary<FuzzCase> cases() {
        return FuzzCase.arbitrary();
    }

    @Property(tries = 500)
    void mutatedArchivesGiveEntriesOrAKilnException(@ForAll("cases") FuzzCase c) {
        byte[] input = c.bytes();
        check(input, c.suffix());
    }

    /** Reads {@code input}; any failure but a well-formed KilnException fails the test. */
    static FuzzOutcome check(byte[] input, String suffix) {
        try {
            return assertTimeoutPreemptively(BOUND, () -> FuzzOutcome.read(input, LABEL));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (input saved as " + FuzzOutcome.save(input, suffix) + ")", e);
        } catch (Throwable e) {
            return fail("not a KilnException (input saved as " + FuzzOutcome.save(input, suffix) + "): " + e, e);
        }
    }

    @Property(tries = 5000)
    @Tag("slow")
    void manyMoreMutatedArchives(@ForAll("cases") FuzzCase c) {
        check(c.bytes(), c.suffix());
    }
}
