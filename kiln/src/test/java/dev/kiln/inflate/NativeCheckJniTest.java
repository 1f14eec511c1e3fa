package dev.kiln.inflate;

import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** The shim's use of JNI, checked by the JVM itself: -Xcheck:jni reports any misuse. */
class NativeCheckJniTest {
    @Test
    void theShimPassesTheJvmsJniChecks() {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Tools.Result r = Tools.run(List.of(javaBin, "-Xcheck:jni", "-cp", System.getProperty("java.class.path"),
                CheckJniMain.class.getName()), null, null, 300);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.stdout()).as(r.output()).contains("ok");
        // HotSpot says "Warning: ...", "WARNING in native method: ..." or "FATAL ERROR in native method: ..."
        assertThat(r.output().toLowerCase(Locale.ROOT)).as(r.output()).doesNotContain("warning").doesNotContain("fatal");
    }
}
