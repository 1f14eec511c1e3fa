package dev.kiln.source.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.KilnException;

import java.util.Locale;

/** "os/arch[/variant]", as in image indexes and --platform. */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        variant = variant == null ? "" : variant;
    }

    /** Parses --platform; null or empty means linux and the host's architecture. */
    public static Platform parse(String text) {
        if (text == null || text.isBlank()) {
            return host();
        }
        String[] parts = text.trim().split("/");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new KilnException("--platform " + text + ": expected OS/ARCH[/VARIANT]");
        }
        return new Platform(parts[0], normalizeArch(parts[1]), parts.length == 3 ? parts[2] : "");
    }

    public static Platform host() {
        return new Platform("linux", normalizeArch(System.getProperty("os.arch", "")), "");
    }

    /** The platform of an index entry or an image config ("os", "architecture", "variant"); null if absent. */
    static Platform of(JsonNode node) {
        if (node == null || !node.hasNonNull("architecture")) {
            return null;
        }
        return new Platform(node.path("os").asText(""), normalizeArch(node.path("architecture").asText()),
                node.path("variant").asText(""));
    }

    static String normalizeArch(String arch) {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "x86_64", "x86-64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "i386", "i686", "x86", "386" -> "386";
            case "armhf", "armv7l" -> "arm";
            default -> arch.toLowerCase(Locale.ROOT);
        };
    }

    /** Whether an image built for {@code candidate} satisfies this request (no variant asked: any). */
    public boolean accepts(Platform candidate) {
        if (candidate == null) {
            return false;
        }
        return os.equals(candidate.os) && architecture.equals(candidate.architecture)
                && (variant.isEmpty() || variant.equals(candidate.variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
