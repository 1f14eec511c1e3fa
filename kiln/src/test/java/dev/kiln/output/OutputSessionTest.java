package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.PathFailure;
import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The output stage's entry point on its own, without the CLI: every format from one pass,
 * published together; scratch outputs handed over and removed on close; a failure at any
 * stage leaves nothing behind and every earlier file as it was.
 */
class OutputSessionTest {
    private static final long T = 1_600_000_000;

    @TempDir
    Path tmp;

    /** A small bootable-looking tree: /init, a kernel in /boot, a hard link, an xattr. */
    static List<Entry> tree(boolean withXattr) {
        List<Entry> l = new ArrayList<>();
        l.add(Entry.directory(new byte[0], 0755, 0, 0, T));
        l.add(file("init", 0755, "#!/bin/sh\necho hi\n"));
        l.add(file("etc/hello", 0644, "hello\n"));
        l.add(new Entry(b("etc/linked"), EntryType.HARDLINK, 0, 0, 0, 0, 0, Map.of(), b("etc/hello"), 0, 0, 0, null));
        l.add(file("boot/vmlinuz-5.10", 0644, "old kernel"));
        l.add(file("boot/vmlinuz-6.1", 0644, "new kernel"));
        l.add(new Entry(b("etc/secret"), EntryType.FILE, 0600, 0, 0, T, 0,
                withXattr ? Map.of("user.note", b("x")) : Map.of(), null, 0, 0, 1, new ByteArrayInputStream(b("s"))));
        return l;
    }

    static Entry file(String path, int mode, String content) {
        byte[] bytes = b(content);
        return Entry.file(b(path), mode, 0, 0, T, bytes.length, new ByteArrayInputStream(bytes));
    }

    private OutputSession.Options options(List<String> warnings, ByteArrayOutputStream stdout) {
        return OutputSession.Options.of(Ext4Options.defaults().withSizeBytes(16L << 20), 0)
                .withWarnings(warnings::add).withStdout(stdout);
    }

    /** The whole protocol: open, start, every entry, finish; closed in any case. */
    private WrittenOutputs write(OutputPlan plan, OutputSession.Options options, List<Entry> entries)
            throws IOException {
        try (OutputSession session = OutputSession.open(plan, options)) {
            EntrySink sink = session.start();
            for (Entry e : entries) {
                sink.accept(e);
            }
            return session.finish();
        }
    }

    private static OutputPlan plan(OutputSpec... outputs) {
        return new OutputPlan(List.of(outputs), false, null);
    }

    @Test
    void everyFormatFromOnePassIsPublishedOnlyAtFinish() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        List<String> warnings = new ArrayList<>();
        OutputPlan plan = plan(new OutputSpec(OutputFormat.EXT4, out.resolve("r.ext4"), null),
                new OutputSpec(OutputFormat.QCOW2, out.resolve("r.qcow2"), null),
                new OutputSpec(OutputFormat.INITRAMFS, out.resolve("r.cpio.zst"), null),
                new OutputSpec(OutputFormat.TAR, out.resolve("r.tar"), null),
                new OutputSpec(OutputFormat.KERNEL_INITRD, out.resolve("boot"), null),
                new OutputSpec(OutputFormat.TAR, Path.of(OutputSpec.STDOUT), Compression.GZIP));
        WrittenOutputs written;
        try (OutputSession session = OutputSession.open(plan, options(warnings, stdout))) {
            EntrySink sink = session.start();
            for (Entry e : tree(true)) {
                sink.accept(e);
            }
            assertThat(names(out)).as("nothing is published before finish()")
                    .noneMatch(n -> List.of("r.ext4", "r.qcow2", "r.cpio.zst", "r.tar", "boot").contains(n));
            assertThat(stdout.size()).as("standard output comes last of all").isZero();
            written = session.finish();
        }
        assertThat(names(out)).containsExactlyInAnyOrder("r.ext4", "r.qcow2", "r.cpio.zst", "r.tar", "boot");

        assertThat(written.outputs()).extracting(WrittenOutput::format).containsExactly(OutputFormat.EXT4,
                OutputFormat.QCOW2, OutputFormat.INITRAMFS, OutputFormat.TAR, OutputFormat.KERNEL_INITRD,
                OutputFormat.TAR);
        for (WrittenOutput o : written.outputs().subList(0, 4)) {
            assertThat(o.sizeBytes()).as(o.path().toString()).isEqualTo(Files.size(o.path()));
        }
        // Streamed outputs are hashed as they are written; the images are not by default.
        assertThat(written.outputs().get(2).sha256()).isEqualTo(sha256(Files.readAllBytes(out.resolve("r.cpio.zst"))));
        assertThat(written.outputs().get(3).sha256()).isEqualTo(sha256(Files.readAllBytes(out.resolve("r.tar"))));
        assertThat(written.outputs().get(0).sha256()).isNull();
        assertThat(written.outputs().get(2).compression()).isEqualTo(Compression.ZSTD);
        WrittenOutput toStdout = written.outputs().get(5);
        assertThat(toStdout.path()).hasToString("-");
        assertThat(toStdout.sizeBytes()).isEqualTo(stdout.size()).isPositive();
        assertThat(toStdout.sha256()).isEqualTo(sha256(stdout.toByteArray()));
        assertThat(written.outputs().get(4).sizeBytes()).isEqualTo(Files.size(out.resolve("boot/kernel"))
                + Files.size(out.resolve("boot/initrd.img")) + Files.size(out.resolve("boot/cmdline")));

        assertThat(written.ext4()).isNotNull();
        assertThat(written.ext4().sizeBytes()).isEqualTo(Files.size(out.resolve("r.ext4")));
        assertThat(Files.readString(out.resolve("boot/kernel"))).isEqualTo("new kernel");
        assertThat(warnings).isEqualTo(written.warnings()).hasSize(2)
                .allMatch(w -> w.contains("cpio cannot hold xattrs"));
        if (Tools.available("e2fsck") && Tools.available("qemu-img")) {
            Tools.check("e2fsck", "-fn", out.resolve("r.ext4").toString());
            assertThat(Tools.check("qemu-img", "compare", "-f", "raw", "-F", "qcow2", out.resolve("r.ext4").toString(),
                    out.resolve("r.qcow2").toString())).contains("Images are identical");
        }
    }

    @Test
    void digestImagesHashesTheImagesToo() throws Exception {
        Path image = tmp.resolve("r.ext4");
        WrittenOutputs written = write(plan(new OutputSpec(OutputFormat.EXT4, image, null)),
                options(new ArrayList<>(), new ByteArrayOutputStream()).withDigestImages(true), tree(false));
        assertThat(written.outputs().get(0).sha256()).isEqualTo(sha256(Files.readAllBytes(image)));
    }

    @Test
    void aScratchDiskIsHandedOverUnpublishedAndRemovedOnClose() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path scratchDir = Files.createDirectories(tmp.resolve("scratch"));
        OutputPlan plan = plan(OutputSpec.scratch(OutputFormat.EXT4, scratchDir),
                new OutputSpec(OutputFormat.TAR, out.resolve("r.tar"), null));
        Path disk;
        try (OutputSession session = OutputSession.open(plan, options(new ArrayList<>(), new ByteArrayOutputStream()))) {
            EntrySink sink = session.start();
            for (Entry e : tree(false)) {
                sink.accept(e);
            }
            WrittenOutputs written = session.finish();
            disk = written.scratch(OutputFormat.EXT4).orElseThrow();
            assertThat(disk.getParent()).isEqualTo(scratchDir.toAbsolutePath());
            assertThat(written.outputs().get(0).scratch()).isTrue();
            assertThat(written.outputs().get(0).sizeBytes()).isEqualTo(16L << 20).isEqualTo(Files.size(disk));
            if (Tools.available("e2fsck")) {
                Tools.check("e2fsck", "-fn", disk.toString());
            }
            assertThat(names(out)).containsExactly("r.tar");
        }
        assertThat(disk).doesNotExist();
        assertThat(names(scratchDir)).isEmpty();
        assertThat(names(out)).containsExactly("r.tar");
    }

    @Test
    void aScratchDiskBesideThePublishedImageHoldsTheSameBytesAndItsHoles() throws Exception {
        Path image = tmp.resolve("r.ext4");
        OutputPlan plan = plan(OutputSpec.scratch(OutputFormat.EXT4, tmp), new OutputSpec(OutputFormat.EXT4, image, null));
        try (OutputSession session = OutputSession.open(plan, options(new ArrayList<>(), new ByteArrayOutputStream()))) {
            EntrySink sink = session.start();
            for (Entry e : tree(false)) {
                sink.accept(e);
            }
            Path disk = session.finish().scratch(OutputFormat.EXT4).orElseThrow();
            assertThat(Files.readAllBytes(disk)).isEqualTo(Files.readAllBytes(image));
            if (Tools.available("stat")) {
                long blocks = Long.parseLong(Tools.check("stat", "-c", "%b", disk.toString()).strip());
                assertThat(blocks * 512).as("holes stay holes").isLessThan(Files.size(disk) / 2);
            }
        }
        assertThat(names(tmp)).containsExactly("r.ext4");
    }

    @Test
    void twoExt4OutputsAreTwoCopiesOfTheImage() throws Exception {
        // Before the output stage had one entry point, the second one was published empty.
        Path a = tmp.resolve("a.ext4");
        Path b = tmp.resolve("b.img");
        write(plan(new OutputSpec(OutputFormat.EXT4, a, null), new OutputSpec(OutputFormat.EXT4, b, null)),
                options(new ArrayList<>(), new ByteArrayOutputStream()), tree(false));
        assertThat(Files.size(b)).isEqualTo(16L << 20);
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
    }

    @Test
    void aScratchOutputIsOneFile() {
        assertThatThrownBy(() -> OutputSpec.scratch(OutputFormat.KERNEL_INITRD, tmp))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutputSpec.scratch(OutputFormat.TAR, Path.of("-")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailingSourceLeavesNothingAndEveryEarlierFileAsItWas() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("r.ext4"), "old image");
        OutputPlan plan = plan(new OutputSpec(OutputFormat.EXT4, out.resolve("r.ext4"), null),
                new OutputSpec(OutputFormat.QCOW2, out.resolve("r.qcow2"), null),
                new OutputSpec(OutputFormat.TAR, out.resolve("r.tar"), null),
                new OutputSpec(OutputFormat.KERNEL_INITRD, out.resolve("boot"), null),
                OutputSpec.scratch(OutputFormat.EXT4, out));
        List<Entry> entries = new ArrayList<>(tree(false));
        entries.add(Entry.file(b("broken"), 0644, 0, 0, T, 100, new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("layer sha256:abc: truncated");
            }
        }));
        assertThatThrownBy(() -> write(plan, options(new ArrayList<>(), new ByteArrayOutputStream()), entries))
                .hasMessageContaining("truncated");
        assertThat(names(out)).containsExactly("r.ext4");
        assertThat(Files.readString(out.resolve("r.ext4"))).isEqualTo("old image");
    }

    @Test
    void aFailureWhileFinishingPublishesNothing() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("r.tar"), "old");
        OutputPlan strict = new OutputPlan(List.of(new OutputSpec(OutputFormat.TAR, out.resolve("r.tar"), null),
                new OutputSpec(OutputFormat.EXT4, out.resolve("r.ext4"), null),
                new OutputSpec(OutputFormat.INITRAMFS, out.resolve("r.cpio.gz"), null),
                OutputSpec.scratch(OutputFormat.QCOW2, out)), true, null);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        assertThatThrownBy(() -> write(strict, options(new ArrayList<>(), stdout), tree(true)))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith("initramfs " + out.resolve("r.cpio.gz") + ": cpio cannot hold xattrs");
        assertThat(names(out)).containsExactly("r.tar");
        assertThat(Files.readString(out.resolve("r.tar"))).isEqualTo("old");
    }

    @Test
    void aWriteFailureIsNamedAfterWhatWasBeingWritten() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        List<Entry> entries = List.of(Entry.directory(new byte[0], 0755, 0, 0, T),
                Entry.file(b("big"), 0644, 0, 0, T, 10, new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("No space left on device");
                    }
                }));
        assertThatThrownBy(() -> write(plan(new OutputSpec(OutputFormat.EXT4, out.resolve("r.ext4"), null)),
                options(new ArrayList<>(), new ByteArrayOutputStream()), entries))
                .isInstanceOfSatisfying(PathFailure.class, f -> assertThat(f.path()).isEqualTo(out.toAbsolutePath().toString()))
                .hasMessage(out.toAbsolutePath() + ": no space left on device")
                .hasRootCauseMessage("No space left on device");
        assertThat(names(out)).isEmpty();
    }

    @Test
    void theKernelOfAnotherImageIsChosenByTheSameRuleAndItsStreamClosed() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        List<Entry> kernelImage = List.of(Entry.directory(new byte[0], 0755, 0, 0, T),
                file("boot/vmlinuz-6.1", 0644, "six"), file("kernel", 0644, "linuxkit"),
                file("boot/vmlinuz-7.0", 0644, "seven"));
        Path boot = tmp.resolve("boot");
        OutputPlan plan = new OutputPlan(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, boot, null)), false,
                new OutputPlan.KernelSpec(null, "example/kernel:6", null));
        write(plan, options(new ArrayList<>(), new ByteArrayOutputStream())
                .withKernelImage(() -> stream(kernelImage, closed)), tree(false));
        assertThat(Files.readString(boot.resolve("kernel"))).isEqualTo("linuxkit");
        assertThat(closed).isTrue();
        // The built tree's /boot stays in the initrd: only its own /kernel would be left out.
        assertThat(Files.readString(boot.resolve("cmdline"))).isEqualTo(OutputPlan.KernelSpec.DEFAULT_CMDLINE + "\n");

        Path none = tmp.resolve("none");
        OutputPlan noKernel = new OutputPlan(List.of(new OutputSpec(OutputFormat.KERNEL_INITRD, none, null)), false,
                new OutputPlan.KernelSpec(null, "example/empty:1", null));
        assertThatThrownBy(() -> write(noKernel, options(new ArrayList<>(), new ByteArrayOutputStream())
                .withKernelImage(() -> stream(List.of(file("boot/config", 0644, "x")), new AtomicBoolean())),
                tree(false))).hasMessage("example/empty:1: kernel image has no /kernel or /boot/vmlinuz*");
        assertThat(none).doesNotExist();
    }

    @Test
    void theProtocolIsOpenStartFinish() throws Exception {
        OutputPlan plan = plan(new OutputSpec(OutputFormat.TAR, tmp.resolve("r.tar"), null));
        try (OutputSession session = OutputSession.open(plan, options(new ArrayList<>(), new ByteArrayOutputStream()))) {
            assertThatThrownBy(session::finish).isInstanceOf(IllegalStateException.class);
        }
        try (OutputSession session = OutputSession.open(plan, options(new ArrayList<>(), new ByteArrayOutputStream()))) {
            session.start();
            assertThatThrownBy(session::start).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> OutputSession.open(new OutputPlan(List.of(), false, null),
                options(new ArrayList<>(), new ByteArrayOutputStream()))).isInstanceOf(IllegalArgumentException.class);
        assertThat(names(tmp)).isEmpty();
    }

    @Test
    void aTargetThatMayNotBeReplacedFailsOpenAndChangesNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("r.tar"));
        Path tar = tmp.resolve("ok.tar");
        OutputPlan plan = plan(new OutputSpec(OutputFormat.TAR, tar, null), new OutputSpec(OutputFormat.TAR, dir, null));
        assertThatThrownBy(() -> OutputSession.checkTargets(plan)).hasMessageStartingWith(dir + ": is a directory");
        assertThatThrownBy(() -> OutputSession.open(plan, options(new ArrayList<>(), new ByteArrayOutputStream())))
                .hasMessageStartingWith(dir + ": is a directory");
        assertThat(names(tmp)).containsExactly("r.tar");
    }

    static EntryStream stream(List<Entry> entries, AtomicBoolean closed) {
        Iterator<Entry> it = entries.iterator();
        return new EntryStream() {
            @Override
            public Entry next() {
                return it.hasNext() ? it.next() : null;
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
    }

    static List<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
