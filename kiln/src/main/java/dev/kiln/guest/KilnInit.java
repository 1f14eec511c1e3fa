package dev.kiln.guest;

import dev.kiln.KilnException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Which of the kiln-init binaries carried in the jar fits an image. kiln-init runs as the
 * guest's PID 1, so it must match the image's architecture, not the machine running Kiln.
 */
public final class KilnInit {
    static final String X86_64 = "/dev/kiln/guest/kiln-init-x86_64";
    static final String AARCH64 = "/dev/kiln/guest/kiln-init-aarch64";

    private KilnInit() {
    }

    /**
     * @param platform "os/arch[/variant]" (or a bare arch) of the image; null or empty means
     *                 the host's architecture
     * @return the resource path of the binary for that architecture
     */
    static String resource(String platform) {
        String p = platform == null || platform.isBlank() ? "linux/" + System.getProperty("os.arch", "") : platform;
        String[] parts = p.split("/");
        String arch = (parts.length >= 2 ? parts[1] : parts[0]).toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x86-64" -> X86_64;
            case "arm64", "aarch64" -> AARCH64;
            default -> throw new KilnException("platform " + p + ": Kiln has no kiln-init for this architecture "
                    + "(it has linux/amd64 and linux/arm64); use --init none, or an image with its own init "
                    + "and no --agent or --script");
        };
    }

    /**
     * The kiln-init binary for {@code platform} ("os/arch[/variant]" or a bare arch such as
     * "x86_64"; null or empty means the host's), read from the jar.
     */
    public static byte[] bytes(String platform) {
        String resource = resource(platform);
        try (InputStream in = KilnInit.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KilnException(resource + ": missing from the Kiln jar (" + missingHint(resource) + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new KilnException(resource + ": cannot read from the Kiln jar", e);
        }
    }

    /** What to say when the jar lacks the binary: the build skips aarch64 without a cross compiler. */
    static String missingHint(String resource) {
        return resource.equals(AARCH64)
                ? "Kiln was built without aarch64-linux-gnu-gcc; install gcc-aarch64-linux-gnu "
                        + "libc6-dev-arm64-cross and rebuild"
                : "was it built without a C compiler?";
    }
}
