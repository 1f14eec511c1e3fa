package dev.kiln.inflate;

import dev.kiln.KilnException;

import java.io.InputStream;
import java.util.Locale;

/**
 * Opens gzip streams with the fastest engine this JVM can use: ISA-L's inflate through the JNI
 * shim carried in the jar, else (another architecture, no usable temporary directory, or
 * {@code -Dkiln.inflate=java}) the JDK's {@link java.util.zip.Inflater}. Both decode every
 * member, check each trailer, and decode and refuse the same inputs. The kind of refusal
 * ({@link GzipException.Kind}) differs only for invalid deflate data that one of them notices
 * later than the other: a Huffman code zlib refuses as incomplete, ISA-L decodes with until its
 * checksum check (or the input's end) fails; an empty one ISA-L refuses, zlib takes until the
 * input ends (GzipFuzzTest). {@code -Dkiln.inflate=native} makes a missing shim an error
 * instead of a fallback.
 */
public final class Gunzip {
    /** Compressed bytes read from the source at a time. */
    private static final int BUFFER = 128 * 1024;
    private static final String PROPERTY = "kiln.inflate";
    private static final Choice CHOICE = choose(System.getProperty(PROPERTY, "auto"));

    /** The engine the property selects, or why none can be used. */
    record Choice(boolean isal, String error) {
    }

    private Gunzip() {
    }

    /** A stream of the data of every member of the gzip stream {@code compressed}; closing it closes that. */
    public static InputStream open(InputStream compressed) {
        return new GzipStream(compressed, newEngine(), BUFFER);
    }

    /** "isa-l" or "java": what {@link #open} decodes with in this JVM (for diagnostics and benchmarks). */
    public static String engine() {
        check();
        return CHOICE.isal ? "isa-l" : "java";
    }

    /** Null when the shim is loaded (loading it if need be); else why it cannot be. */
    static String nativeFailure() {
        return NativeLibraryHolder.FAILURE;
    }

    static DeflateEngine newEngine() {
        check();
        return CHOICE.isal ? new IsalInflate() : new JavaInflate();
    }

    private static void check() {
        if (CHOICE.error != null) {
            throw new KilnException(CHOICE.error);
        }
    }

    static Choice choose(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "java" -> new Choice(false, null);
            case "auto", "native" -> {
                String failure = NativeLibraryHolder.FAILURE;
                if (failure == null) {
                    yield new Choice(true, null);
                }
                yield new Choice(false, mode.equalsIgnoreCase("native")
                        ? "-D" + PROPERTY + "=native: " + failure : null);
            }
            default -> new Choice(false, "-D" + PROPERTY + "=" + mode + ": expected auto, native or java");
        };
    }

    /** Loads the shim on first use only, so that -Dkiln.inflate=java never touches it. */
    private static final class NativeLibraryHolder {
        static final String FAILURE = NativeLibrary.load(IsalInflate.LIBRARY);
    }
}
