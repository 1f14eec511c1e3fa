package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every output format from one pass over the same small busybox image, checked with each
 * format's own tools, and (slow) booted under QEMU: the initramfs with no disk, the qcow2 as
 * a virtio disk.
 */
public class OutputsPipelineTest {
    static final String MARKER = "KILN-OUTPUT-OK";

    @TempDir
    Path tmp;

    /** A busybox root whose /init prints the marker, hard-link count and a file, then reboots. */
    static List<Entry> busyboxImage(boolean withXattr) throws IOException {
        byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
        String init = "#!/bin/sh\n"
                + "mount -t proc proc /proc\n"
                + "echo \"" + MARKER + " $(cat /etc/hello) links=$(stat -c %h /bin/busybox) "
                + "dev=$(stat -c %t:%T /srv/null2) mode=$(stat -c %a /etc/secret)\"\n"
                + "reboot -f\n";
        List<Entry> l = new ArrayList<>();
        l.add(Entry.directory(new byte[0], 0755, 0, 0, 1_600_000_000));
        l.add(Entry.file(b("bin/busybox"), 0755, 0, 0, 1_600_000_000, busybox.length,
                new ByteArrayInputStream(busybox)));
        l.add(new Entry(b("bin/stat"), EntryType.HARDLINK, 0, 0, 0, 0, 0, Map.of(), b("bin/busybox"), 0, 0, 0, null));
        for (String applet : List.of("sh", "mount", "echo", "cat", "reboot")) {
            l.add(Entry.symlink(b("bin/" + applet), b("busybox"), 0, 0, 1_600_000_000));
        }
        l.add(Entry.file(b("init"), 0755, 0, 0, 1_600_000_000, init.length(),
                new ByteArrayInputStream(init.getBytes(StandardCharsets.UTF_8))));
        l.add(Entry.file(b("etc/hello"), 0644, 0, 0, 1_600_000_000, 6, new ByteArrayInputStream(b("hello\n"))));
        l.add(new Entry(b("etc/secret"), EntryType.FILE, 0600, 1000, 1000, 1_600_000_000, 0,
                withXattr ? Map.of("user.note", b("x")) : Map.of(), null, 0, 0, 1, new ByteArrayInputStream(b("s"))));
        l.add(new Entry(b("srv/null2"), EntryType.CHARACTER_DEVICE, 0666, 0, 0, 1_600_000_000, 0, Map.of(), null,
                1, 3, 0, null));
        for (String dir : List.of("proc", "sys", "tmp")) {
            l.add(Entry.directory(b(dir), 0755, 0, 0, 1_600_000_000));
        }
        return l;
    }

    static BuildPipeline.Entries stream(List<Entry> entries) {
        return () -> new EntryStream() {
            final Iterator<Entry> it = entries.iterator();

            @Override
            public Entry next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public void close() {
            }
        };
    }

    private BuildRequest request(List<OutputSpec> outputs, boolean strict, Path kernel) {
        return new BuildRequest("test:", SourceOptions.defaults(), Ext4Options.defaults().withSizeBytes(64L << 20),
                GuestConfig.none(), 0,
                new OutputPlan(outputs, strict, new OutputPlan.KernelSpec(kernel, null, "quiet")));
    }

    private String build(BuildRequest request, List<Entry> entries) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new BuildPipeline(new PrintStream(log, true, StandardCharsets.UTF_8), false).build(request, stream(entries));
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyFormatFromOnePass() throws Exception {
        Tools.assumeTools("qemu-img", "e2fsck", "cpio", "tar");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static is not installed");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path kernel = Files.writeString(tmp.resolve("vmlinuz"), "not really a kernel");
        List<OutputSpec> outputs = List.of(
                new OutputSpec(OutputFormat.EXT4, out.resolve("root.ext4"), null),
                new OutputSpec(OutputFormat.QCOW2, out.resolve("root.qcow2"), null),
                new OutputSpec(OutputFormat.INITRAMFS, out.resolve("root.cpio.zst"), Compression.ZSTD),
                new OutputSpec(OutputFormat.TAR, out.resolve("root.tar"), null),
                new OutputSpec(OutputFormat.KERNEL_INITRD, out.resolve("boot"), null));
        build(request(outputs, false, kernel), busyboxImage(false));
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("boot", "root.cpio.zst", "root.ext4", "root.qcow2", "root.tar");
        }
        Tools.check("e2fsck", "-fn", out.resolve("root.ext4").toString());
        assertThat(Tools.check("qemu-img", "check", out.resolve("root.qcow2").toString()))
                .contains("No errors were found");
        assertThat(Tools.check("qemu-img", "compare", "-f", "raw", "-F", "qcow2",
                out.resolve("root.ext4").toString(), out.resolve("root.qcow2").toString()))
                .contains("Images are identical");

        String cpio = Tools.sh("zstd -dc " + out.resolve("root.cpio.zst") + " | cpio -itv --quiet");
        assertThat(cpio).containsPattern("-rwxr-xr-x\\s+2 .* bin/busybox")
                .containsPattern("-rwxr-xr-x\\s+2 .* bin/stat").containsPattern("-rw-------\\s+1 \\S+\\s+\\S+\\s+1 .*etc/secret")
                .containsPattern("crw-rw-rw-\\s+1 .* 1,\\s+3 .*srv/null2").contains("init");
        String tar = Tools.check("tar", "--xattrs", "--xattrs-include=*", "-tvvf", out.resolve("root.tar").toString());
        assertThat(tar).contains("bin/stat link to bin/busybox")
                .contains("1000/1000").contains("bin/sh -> busybox");

        Path boot = out.resolve("boot");
        assertThat(Files.readString(boot.resolve("kernel"))).isEqualTo("not really a kernel");
        assertThat(Files.readString(boot.resolve("cmdline")))
                .isEqualTo(OutputPlan.KernelSpec.DEFAULT_CMDLINE + " quiet\n");
        assertThat(Tools.sh("gzip -dc " + boot.resolve("initrd.img") + " | cpio -it --quiet")).contains("etc/hello");
    }

    @Test
    void droppedXattrsAreAWarning() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        List<OutputSpec> outputs = List.of(new OutputSpec(OutputFormat.TAR, out.resolve("root.tar"), null),
                new OutputSpec(OutputFormat.INITRAMFS, out.resolve("root.cpio.gz"), null));
        String log = build(request(outputs, false, null), busyboxImage(true));
        assertThat(log).contains("kiln: warning: initramfs " + out.resolve("root.cpio.gz")
                + ": cpio cannot hold xattrs; dropped those of 1 files: /etc/secret (user.note)");
        assertThat(Tools.check("tar", "--xattrs", "--xattrs-include=*", "-tvvf", out.resolve("root.tar").toString()))
                .contains("x: 1 user.note");
    }

    @Test
    void kernelComesFromTheImageLinuxKitStyle() throws Exception {
        List<Entry> entries = new ArrayList<>(busyboxImage(false));
        entries.add(Entry.file(b("boot/vmlinuz-5.10"), 0644, 0, 0, 0, 3, new ByteArrayInputStream(b("old"))));
        entries.add(Entry.file(b("boot/vmlinuz-6.1"), 0644, 0, 0, 0, 3, new ByteArrayInputStream(b("new"))));
        Path boot = tmp.resolve("boot");
        build(request(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, boot, null)), false, null), entries);
        assertThat(Files.readString(boot.resolve("kernel"))).isEqualTo("new");
        assertThat(Tools.sh("gzip -dc " + boot.resolve("initrd.img") + " | cpio -it --quiet")).contains("boot/vmlinuz-6.1");

        // A LinuxKit kernel image's /kernel wins and is left out of the initrd.
        entries = new ArrayList<>(busyboxImage(false));
        entries.add(Entry.file(b("boot/vmlinuz-6.1"), 0644, 0, 0, 0, 3, new ByteArrayInputStream(b("new"))));
        entries.add(Entry.file(b("kernel"), 0644, 0, 0, 0, 2, new ByteArrayInputStream(b("lk"))));
        Path lk = tmp.resolve("lk");
        build(request(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, lk, null)), false, null), entries);
        assertThat(Files.readString(lk.resolve("kernel"))).isEqualTo("lk");
        assertThat(Tools.sh("gzip -dc " + lk.resolve("initrd.img") + " | cpio -it --quiet").lines())
                .doesNotContain("kernel").contains("boot/vmlinuz-6.1");

        // --kernel-image: the kernel of another image (here a rootfs tar holding /boot/vmlinuz-7).
        Path kroot = Files.createDirectories(tmp.resolve("kroot/boot"));
        Files.writeString(kroot.resolve("vmlinuz-7"), "from another image");
        Tools.check("tar", "-C", tmp.resolve("kroot").toString(), "-cf", tmp.resolve("k.tar").toString(), ".");
        Path other = tmp.resolve("other");
        BuildRequest r = request(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, other, null)), false, null);
        r = new BuildRequest(r.source(), r.sourceOptions(), r.ext4(), r.guest(), 0, new OutputPlan(
                r.plan().outputs(), false, new OutputPlan.KernelSpec(null, "tar:" + tmp.resolve("k.tar"), null)));
        build(r, busyboxImage(false));
        assertThat(Files.readString(other.resolve("kernel"))).isEqualTo("from another image");
        assertThat(Files.readString(other.resolve("cmdline"))).isEqualTo(OutputPlan.KernelSpec.DEFAULT_CMDLINE + "\n");

        Path none = tmp.resolve("none");
        assertThatThrownBy(() -> build(request(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, none, null)), false,
                null), busyboxImage(false))).hasMessageStartingWith("kernel+initrd " + none + ": no kernel");
        assertThat(none).doesNotExist();
    }

    @Test
    void strictFailureLeavesNoOutputAtAll() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("root.tar"), "old");
        List<OutputSpec> outputs = List.of(
                new OutputSpec(OutputFormat.TAR, out.resolve("root.tar"), null),
                new OutputSpec(OutputFormat.INITRAMFS, out.resolve("root.cpio.gz"), null));
        assertThatThrownBy(() -> build(request(outputs, true, null), busyboxImage(true)))
                .isInstanceOf(KilnException.class)
                .hasMessage("initramfs " + out.resolve("root.cpio.gz") + ": cpio cannot hold xattrs, and 1 files "
                        + "have some (--strict): /etc/secret (user.note)");
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("root.tar");
        }
        assertThat(Files.readString(out.resolve("root.tar"))).isEqualTo("old");
    }

    @Test
    void initramfsWithoutAnyInitIsAnError() throws Exception {
        List<Entry> entries = busyboxImage(false).stream().filter(e -> !e.pathString().equals("init")).toList();
        Path out = tmp.resolve("x.cpio.gz");
        assertThatThrownBy(() -> build(request(List.of(new OutputSpec(OutputFormat.INITRAMFS, out, null)), false,
                null), entries)).hasMessageStartingWith("initramfs " + out + ": the tree has neither /init nor");
        assertThat(out).doesNotExist();
    }

    @Test
    @Tag("slow")
    void initramfsAndQcow2Boot() throws Exception {
        Path kernel = testKernel();
        Tools.assumeTools("qemu-system-x86_64");
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path initrd = out.resolve("root.cpio.gz");
        Path qcow2 = out.resolve("root.qcow2");
        build(request(List.of(new OutputSpec(OutputFormat.QCOW2, qcow2, null),
                new OutputSpec(OutputFormat.INITRAMFS, initrd, null)), false, null), busyboxImage(false));
        String expected = MARKER + " hello links=2 dev=1:3 mode=600";
        assertThat(boot(kernel, List.of("-initrd", initrd.toString()), "rdinit=/init")).contains(expected);
        assertThat(boot(kernel, List.of("-drive", "id=root,file=" + qcow2 + ",format=qcow2,if=none",
                "-device", "virtio-blk-device,drive=root"), "root=/dev/vda rw init=/init")).contains(expected);
    }

    public static Path testKernel() {
        String path = System.getenv("KILN_TEST_KERNEL");
        if (path == null || path.isBlank()) {
            path = System.getProperty("kiln.test.kernel", "");
        }
        Assumptions.assumeTrue(!path.isBlank() && Files.isRegularFile(Path.of(path)),
                "no boot-test kernel: set KILN_TEST_KERNEL or -Dkiln.test.kernel (is " + path + ")");
        return Path.of(path);
    }

    /** Boots under TCG (KVM here cannot run guests) and returns the console output. */
    static String boot(Path kernel, List<String> disk, String append) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-M", "microvm,acpi=off", "-accel", "tcg",
                "-cpu", "max", "-m", "256", "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
                "-no-reboot", "-kernel", kernel.toString(),
                "-append", "console=ttyS0 reboot=t panic=-1 " + append));
        cmd.addAll(disk);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(console);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        reader.join(5_000);
        return console.toString(StandardCharsets.UTF_8);
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
