package dev.kiln.inflate;

import dev.kiln.KilnException;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** Which engine is used, and that the jar's shim loads where the build makes one. */
class GunzipTest {
    @Test
    void theShimLoadsOnTheArchitecturesTheBuildMakesItFor() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("aarch64")) {
            assertThat(Gunzip.nativeFailure()).as("why the native inflater did not load").isNull();
            assertThat(Gunzip.engine()).isEqualTo("isa-l");
        } else {
            assertThat(Gunzip.nativeFailure()).contains(arch);
            assertThat(Gunzip.engine()).isEqualTo("java");
        }
    }

    @Test
    void thePropertyChoosesTheEngine() {
        assertThat(Gunzip.choose("java")).isEqualTo(new Gunzip.Choice(false, null));
        assertThat(Gunzip.choose("auto").isal()).isEqualTo(Gunzip.nativeFailure() == null);
        assertThat(Gunzip.choose("bogus").error()).isEqualTo("-Dkiln.inflate=bogus: expected auto, native or java");
    }

    @Test
    void aLibraryMissingFromTheJarIsAReasonNotACrash() {
        assertThat(NativeLibrary.load("no-such-library")).startsWith("this build of Kiln carries no libno-such-library-");
    }

    @Test
    void openDecodesWithTheChosenEngine() throws Exception {
        byte[] data = Gzips.data(9, 100_000);
        try (InputStream in = Gunzip.open(new ByteArrayInputStream(Gzips.member(data)))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    /** No usable temporary directory: the JDK's inflater takes over, unless native was demanded. */
    @Test
    void fallsBackWhereTheShimCannotBeUnpacked() {
        Tools.Result auto = engineIn("-Djava.io.tmpdir=/nonexistent/kiln-test");
        assertThat(auto.exitCode()).as(auto.output()).isZero();
        assertThat(auto.stdout()).isEqualTo("java decoded 100000 bytes\n");
        Tools.Result java = engineIn("-Dkiln.inflate=java");
        assertThat(java.stdout()).as(java.output()).isEqualTo("java decoded 100000 bytes\n");
        Tools.Result demanded = engineIn("-Djava.io.tmpdir=/nonexistent/kiln-test", "-Dkiln.inflate=native");
        assertThat(demanded.exitCode()).isEqualTo(2);
        assertThat(demanded.stdout()).startsWith("-Dkiln.inflate=native: cannot load libkiln-inflate-");
    }

    private static Tools.Result engineIn(String... options) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EngineMain.class.getName()));
        return Tools.run(command, null, null, 120);
    }

    /** Prints the engine a JVM with the given options uses, and that it decodes. */
    public static final class EngineMain {
        public static void main(String[] args) throws Exception {
            byte[] data = Gzips.data(9, 100_000);
            try (InputStream in = Gunzip.open(new ByteArrayInputStream(Gzips.member(data)))) {
                System.out.println(Gunzip.engine() + " decoded " + in.readAllBytes().length + " bytes");
            } catch (KilnException e) {
                System.out.println(e.getMessage());
                System.exit(2);
            }
        }
    }
}
