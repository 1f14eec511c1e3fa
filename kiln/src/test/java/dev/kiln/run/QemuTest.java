package dev.kiln.run;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QemuTest {
    @Test
    void microvmCommandLine(@TempDir Path tmp) throws Exception {
        Path img = Files.write(tmp.resolve("r,1.ext4"), new byte[4096]);
        VmSpec spec = new VmSpec(img, Path.of("/k/bzImage"), null, "quiet", "256M", 2, Duration.ofSeconds(5),
                VmSpec.Accel.TCG, VmSpec.Machine.MICROVM);
        assertThat(String.join(" ", Qemu.command(Path.of("qemu"), spec, false))).isEqualTo(
                "qemu -M microvm,acpi=off -accel tcg -cpu max -m 256M -smp 2 -nodefaults -no-user-config -nographic"
                        + " -serial stdio -no-reboot -kernel /k/bzImage -append console=ttyS0 root=/dev/vda rw reboot=t"
                        + " panic=-1 acpi=off quiet -drive id=root,file=" + tmp + "/r,,1.ext4,format=raw,if=none"
                        + " -device virtio-blk-device,drive=root");
    }

    @Test
    void q35WithQcow2AndKvm(@TempDir Path tmp) throws Exception {
        Path img = Files.write(tmp.resolve("r.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        VmSpec spec = VmSpec.of(img, Path.of("k")).withMachine(VmSpec.Machine.Q35);
        assertThat(Qemu.command(Path.of("qemu"), spec, true)).containsSequence("-M", "q35", "-accel", "kvm", "-cpu", "host")
                .contains("file=" + img + ",format=qcow2,if=virtio")
                .contains("console=ttyS0 root=/dev/vda rw reboot=t panic=-1");
    }

    @Test
    void initrdAloneBootsSbinInit() throws Exception {
        VmSpec spec = new VmSpec(null, Path.of("k"), Path.of("i.cpio.gz"), null, null, 0, null, null, null);
        assertThat(Qemu.command(Path.of("qemu"), spec, false)).containsSequence("-initrd", "i.cpio.gz")
                .doesNotContain("-drive").contains("console=ttyS0 rdinit=/sbin/init reboot=t panic=-1 acpi=off");
        assertThat(Qemu.append(spec.withAppend("rdinit=/init"))).doesNotContain("rdinit=/sbin/init");
    }

    @Test
    void missingQemuSaysHowToInstall(@TempDir Path tmp) {
        assertThatThrownBy(() -> Qemu.find(tmp.toString())).isInstanceOf(KilnException.class)
                .hasMessageStartingWith("qemu-system-x86_64: not found on PATH").hasMessageContaining("apt-get install qemu-system-x86");
    }

    @Test
    void exitCodes() {
        assertThat(new VmResult(VmResult.Outcome.EXITED, 7, Duration.ZERO, "").exitCode()).isEqualTo(7);
        assertThat(new VmResult(VmResult.Outcome.TIMEOUT, -1, Duration.ZERO, "").exitCode()).isEqualTo(124);
        assertThat(new VmResult(VmResult.Outcome.PANIC, -1, Duration.ZERO, "").exitCode()).isEqualTo(1);
    }
}
