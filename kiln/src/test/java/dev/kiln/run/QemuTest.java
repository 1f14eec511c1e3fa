package dev.kiln.run;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QemuTest {
    private static final Qemu.Target MICROVM_TCG = new Qemu.Target(Arch.X86_64, VmSpec.Machine.MICROVM, false);
    private static final Qemu.Target VIRT_TCG = new Qemu.Target(Arch.AARCH64, VmSpec.Machine.VIRT, false);

    @TempDir
    Path tmp;

    @Test
    void microvmCommandLine() throws Exception {
        Path img = Files.write(tmp.resolve("r,1.ext4"), new byte[4096]);
        VmSpec spec = new VmSpec(img, Path.of("/k/bzImage"), null, "quiet", "256M", 2, Duration.ofSeconds(5),
                VmSpec.Accel.TCG, VmSpec.Machine.MICROVM);
        assertThat(String.join(" ", Qemu.command(Path.of("qemu"), spec, MICROVM_TCG, null))).isEqualTo(
                "qemu -M microvm,acpi=off -accel tcg -cpu max -m 256M -smp 2 -nodefaults -no-user-config -display none"
                        + " -no-reboot -serial stdio -kernel /k/bzImage -append console=ttyS0 root=/dev/vda rw reboot=t"
                        + " panic=-1 acpi=off quiet -drive id=root,file=" + tmp + "/r,,1.ext4,format=raw,if=none"
                        + " -device virtio-blk-device,drive=root");
    }

    @Test
    void q35WithQcow2AndKvm() throws Exception {
        Path img = Files.write(tmp.resolve("r.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb, 0, 0, 0, 3});
        VmSpec spec = VmSpec.of(img, Path.of("k")).withMachine(VmSpec.Machine.Q35);
        assertThat(Qemu.command(Path.of("qemu"), spec, new Qemu.Target(Arch.X86_64, VmSpec.Machine.Q35, true), null))
                .containsSequence("-M", "q35", "-accel", "kvm", "-cpu", "host")
                .containsSequence("-drive", "id=root,file=" + img + ",format=qcow2,if=none", "-device", "virtio-blk-pci,drive=root")
                .contains("console=ttyS0 root=/dev/vda rw reboot=t panic=-1");
    }

    /** arm64: virt, the PL011 console, PCI devices (virt probes virtio-mmio slots in reverse order). */
    @Test
    void virtForAarch64() throws Exception {
        Path img = Files.write(tmp.resolve("r.ext4"), new byte[4096]);
        Path disk = Files.write(tmp.resolve("d.img"), new byte[4096]);
        VmSpec spec = VmSpec.of(img, Path.of("Image")).withDisks(List.of(disk)).withNet(true, List.of());
        List<String> cmd = Qemu.command(Path.of("qemu-system-aarch64"), spec, VIRT_TCG, null);
        assertThat(cmd).containsSequence("-M", "virt", "-accel", "tcg", "-cpu", "max")
                .containsSequence("-device", "virtio-blk-pci,drive=root", "-drive")
                .contains("virtio-blk-pci,drive=disk1", "virtio-net-pci,netdev=net0,romfile=")
                .contains("console=ttyAMA0 root=/dev/vda rw panic=-1 ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off:10.0.2.3");
        assertThat(Qemu.append(spec, VIRT_TCG)).doesNotContain("reboot=t", "acpi=off");
        assertThat(Qemu.command(Path.of("q"), spec, new Qemu.Target(Arch.AARCH64, VmSpec.Machine.VIRT, true), null))
                .containsSequence("-M", "virt,gic-version=host", "-accel", "kvm", "-cpu", "host");
    }

    /** The image is vda, the user's disks follow in order, the run config comes last (found by its serial). */
    @Test
    void disksRunConfigNetworkAndPortsInOrder() throws Exception {
        Path img = Files.write(tmp.resolve("r.ext4"), new byte[4096]);
        Path b = Files.write(tmp.resolve("b.img"), new byte[4096]);
        Path c = Files.write(tmp.resolve("c.qcow2"), new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        VmSpec spec = VmSpec.of(img, Path.of("k")).withDisks(List.of(b, c))
                .withNet(false, List.of(PortForward.parse("8080:80"), PortForward.parse("127.0.0.1:5353:53/udp")));
        String line = String.join(" ", Qemu.command(Path.of("qemu"), spec, MICROVM_TCG, tmp.resolve("run.conf")));
        assertThat(line).contains("-drive id=root,file=" + img + ",format=raw,if=none -device virtio-blk-device,drive=root"
                + " -drive id=disk1,file=" + b + ",format=raw,if=none -device virtio-blk-device,drive=disk1"
                + " -drive id=disk2,file=" + c + ",format=qcow2,if=none -device virtio-blk-device,drive=disk2"
                + " -drive id=kilnrun,file=" + tmp + "/run.conf,format=raw,if=none,readonly=on"
                + " -device virtio-blk-device,drive=kilnrun,serial=kiln-run"
                + " -netdev user,id=net0,hostfwd=tcp::8080-:80,hostfwd=udp:127.0.0.1:5353-:53"
                + " -device virtio-net-device,netdev=net0");
        assertThat(spec.net()).as("-p implies --net").isTrue();
        assertThat(line).contains(" ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off:10.0.2.3");
    }

    @Test
    void withoutAnImageTheDisksStartAtVda() throws Exception {
        Path b = Files.write(tmp.resolve("b.img"), new byte[4096]);
        VmSpec spec = new VmSpec(null, Path.of("k"), Path.of("i.cpio.gz"), null, null, 0, null, null, null)
                .withDisks(List.of(b));
        assertThat(Qemu.command(Path.of("qemu"), spec, MICROVM_TCG, null))
                .contains("id=disk0,file=" + b + ",format=raw,if=none").doesNotContain("drive=root");
    }

    @Test
    void interactiveConsoleUsesQemusMultiplexerWithoutSignals() throws Exception {
        VmSpec spec = new VmSpec(null, Path.of("k"), Path.of("i"), null, null, 0, null, null, null);
        assertThat(Qemu.command(Path.of("qemu"), spec.withInteractive(true), MICROVM_TCG, null))
                .containsSequence("-chardev", "stdio,id=console,mux=on,signal=off", "-serial", "chardev:console")
                .doesNotContain("stdio");
        assertThat(Qemu.command(Path.of("qemu"), spec, MICROVM_TCG, null)).containsSequence("-serial", "stdio");
    }

    @Test
    void initrdAloneBootsSbinInit() throws Exception {
        VmSpec spec = new VmSpec(null, Path.of("k"), Path.of("i.cpio.gz"), null, null, 0, null, null, null);
        assertThat(Qemu.command(Path.of("qemu"), spec, MICROVM_TCG, null)).containsSequence("-initrd", "i.cpio.gz")
                .doesNotContain("-drive").contains("console=ttyS0 rdinit=/sbin/init reboot=t panic=-1 acpi=off");
        assertThat(Qemu.append(spec.withAppend("rdinit=/init"), MICROVM_TCG)).doesNotContain("rdinit=/sbin/init");
    }

    @Test
    void theArchitectureIsTheKernels() throws Exception {
        Path arm = arm64Image();
        VmSpec spec = VmSpec.of(null, arm);
        assertThat(Qemu.arch(spec)).isEqualTo(Arch.AARCH64);
        assertThat(Qemu.machine(spec, Arch.AARCH64)).isEqualTo(VmSpec.Machine.VIRT);
        assertThat(Qemu.arch(spec.withArch(Arch.AARCH64))).isEqualTo(Arch.AARCH64);
        assertThatThrownBy(() -> Qemu.arch(spec.withArch(Arch.X86_64))).isInstanceOf(KilnException.class)
                .hasMessage(arm + ": an aarch64 kernel (arm64 Image), but --arch is x86_64; boot x86_64 images with an "
                        + "x86_64 kernel");
    }

    @Test
    void anUnknownKernelNeedsArch() throws Exception {
        Path odd = Files.write(tmp.resolve("odd"), new byte[1024]);
        VmSpec spec = VmSpec.of(null, odd);
        assertThatThrownBy(() -> Qemu.arch(spec)).isInstanceOf(KilnException.class)
                .hasMessageStartingWith(odd + ": not a kernel Kiln recognises").hasMessageEndingWith("give --arch if it is one");
        assertThat(Qemu.arch(spec.withArch(Arch.AARCH64))).isEqualTo(Arch.AARCH64);
    }

    @Test
    void aMachineOfAnotherArchitectureIsRefused() throws Exception {
        VmSpec spec = VmSpec.of(null, arm64Image()).withMachine(VmSpec.Machine.MICROVM);
        assertThatThrownBy(() -> Qemu.machine(spec, Arch.AARCH64)).isInstanceOf(KilnException.class)
                .hasMessage("--machine microvm: an x86_64 machine, but the guest is aarch64 (aarch64 boots on virt)");
    }

    @Test
    void missingQemuSaysHowToInstall() {
        assertThatThrownBy(() -> Qemu.find(Arch.X86_64, tmp.toString())).isInstanceOf(dev.kiln.NotFound.class)
                .hasMessageStartingWith("qemu-system-x86_64: not found on PATH").hasMessageContaining("apt-get install qemu-system-x86");
        assertThatThrownBy(() -> Qemu.find(Arch.AARCH64, tmp.toString())).isInstanceOf(KilnException.class)
                .hasMessageStartingWith("qemu-system-aarch64: not found on PATH").hasMessageContaining("apt-get install qemu-system-arm");
    }

    @Test
    void portForwards() {
        assertThat(PortForward.parse("8080:80")).isEqualTo(new PortForward("tcp", "", 8080, 80));
        assertThat(PortForward.parse("0.0.0.0:53:53/udp").hostfwd()).isEqualTo("udp:0.0.0.0:53-:53");
        assertThat(PortForward.parse("127.0.0.1:2222:22/tcp").hostfwd()).isEqualTo("tcp:127.0.0.1:2222-:22");
        for (String bad : List.of("80", "a:80", "8080:80/sctp", "0:80", "70000:80", "8080:123456", "[::1]:80:80")) {
            assertThatThrownBy(() -> PortForward.parse(bad)).as(bad).isInstanceOf(KilnException.class)
                    .hasMessageStartingWith("-p " + bad + ": ");
        }
    }

    @Test
    void qemuFailuresInOneLine() {
        assertThat(VmRunner.qemuFailure(1, "qemu-system-x86_64: -netdev user,id=net0,hostfwd=tcp::8080-:80: Could not set up"
                + " host forwarding rule 'tcp::8080-:80'")).isEqualTo("cannot forward host port 8080/tcp (-p): is it in use?");
        assertThat(VmRunner.qemuFailure(1, "a\n\n b \n")).isEqualTo("qemu exited with status 1: a; b");
    }

    @Test
    void exitCodes() {
        assertThat(new VmResult(VmResult.Outcome.EXITED, 7, Duration.ZERO, "").exitCode()).isEqualTo(7);
        assertThat(new VmResult(VmResult.Outcome.TIMEOUT, -1, Duration.ZERO, "").exitCode()).isEqualTo(124);
        assertThat(new VmResult(VmResult.Outcome.PANIC, -1, Duration.ZERO, "").exitCode()).isEqualTo(1);
        assertThat(new VmResult(VmResult.Outcome.NOT_EXECUTABLE, -1, Duration.ZERO, "").exitCode()).isEqualTo(1);
    }

    private Path arm64Image() throws IOException {
        byte[] h = new byte[0x240];
        h[0x38] = 'A';
        h[0x39] = 'R';
        h[0x3A] = 'M';
        h[0x3B] = 0x64;
        return Files.write(tmp.resolve("Image"), h);
    }

    @Test
    void onlyKilnInitsOwnLineReportsTheExitStatus() {
        assertThat(VmRunner.statusIn("kiln-init: exit status 3")).isEqualTo(3);
        assertThat(VmRunner.statusIn("no newline at the endkiln-init: exit status 0\r")).isZero();
        // A container's output is relayed as "[NAME] line": it cannot end the VM with a status.
        assertThat(VmRunner.statusIn("[web] kiln-init: exit status 0")).isEqualTo(-1);
        assertThat(VmRunner.statusIn("kiln-init: exit status 3 and more")).isEqualTo(-1);
    }
}
