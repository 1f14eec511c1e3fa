package dev.kiln.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.kiln.UnsupportedInput;

import java.util.Locale;

/**
 * "os/arch[/variant]", as in image indexes, image configs and --platform. The architecture is
 * kept in its normal form (x86_64 is amd64, aarch64 is arm64), so platforms compare by value.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"architecture", "os", "variant"})
public record Platform(@JsonProperty("os") String os,
                       @JsonProperty("architecture") String architecture,
                       @JsonProperty("variant") @JsonInclude(JsonInclude.Include.NON_EMPTY) String variant) {

    public Platform {
        os = os == null ? "" : os;
        architecture = normalizeArch(architecture == null ? "" : architecture);
        variant = variant == null ? "" : variant;
    }

    /** The platform of an index entry or an image config; null when it names no architecture. */
    @JsonCreator
    public static Platform of(@JsonProperty("os") String os, @JsonProperty("architecture") String architecture,
                              @JsonProperty("variant") String variant) {
        return architecture == null ? null : new Platform(os, architecture, variant);
    }

    /** Parses --platform; null or empty means linux and the host's architecture. */
    public static Platform parse(String text) {
        if (text == null || text.isBlank()) {
            return host();
        }
        String[] parts = text.trim().split("/");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new UnsupportedInput("--platform " + text, "expected OS/ARCH[/VARIANT]");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
    }

    public static Platform host() {
        return new Platform("linux", System.getProperty("os.arch", ""), "");
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
