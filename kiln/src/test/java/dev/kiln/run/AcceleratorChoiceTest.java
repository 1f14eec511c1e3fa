package dev.kiln.run;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How kiln run and the build-step VM pick the accelerator, without booting: AUTO falls back to
 * TCG with a note saying why; KVM is never tried for a guest of another architecture.
 */
class AcceleratorChoiceTest {
    /** The architecture this machine is not: its guests can never have KVM here. */
    private static final Arch FOREIGN = Arch.host() == Arch.AARCH64 ? Arch.X86_64 : Arch.AARCH64;
    /** Never started: the choice for a foreign guest is made before any probe boot. */
    private static final Path NO_QEMU = Path.of("/nonexistent/qemu");
    private static final Path NO_KERNEL = Path.of("/nonexistent/kernel");

    private final ByteArrayOutputStream notes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(notes, true, StandardCharsets.UTF_8);

    private String notes() {
        return notes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void autoIsTcgWithANoteSayingWhyForAGuestOfAnotherArchitecture() {
        assertThat(VmRunner.useKvm(VmSpec.Accel.AUTO, FOREIGN, NO_QEMU, NO_KERNEL, log)).isFalse();
        assertThat(notes()).startsWith("kiln: using TCG (slow emulation), KVM is not usable: it runs only guests of "
                + "this machine's architecture (").endsWith("), and this one is " + FOREIGN + "\n");
    }

    @Test
    void tcgIsTcgWithoutANote() {
        assertThat(VmRunner.useKvm(VmSpec.Accel.TCG, Arch.X86_64, NO_QEMU, NO_KERNEL, log)).isFalse();
        assertThat(notes()).isEmpty();
    }

    @Test
    void kvmForAGuestOfAnotherArchitectureIsRefused() {
        assertThatThrownBy(() -> VmRunner.useKvm(VmSpec.Accel.KVM, FOREIGN, NO_QEMU, NO_KERNEL, log))
                .isInstanceOf(KilnException.class).hasMessage("--accel kvm: KVM runs only guests of this machine's "
                        + "architecture, and the guest is " + FOREIGN);
    }
}
