package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.NotFound;
import dev.kiln.entry.EntryStream;
import dev.kiln.output.AtomicOutput;
import dev.kiln.output.KernelChoice;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel the step VM boots. It is the build's one kernel: {@code --kernel FILE} or
 * {@code --kernel-image REF} (kiln.yaml's {@code kernel:}) is also the kernel of a
 * kernel+initrd output, so the image is provisioned under the kernel it is meant to boot.
 * Without either, {@code $KILN_KERNEL} (steps only; kernel+initrd then takes the image's own).
 */
public final class StepKernel implements Closeable {
    static final String NONE = "build steps need a kernel to boot: give --kernel FILE (kernel: {path: FILE} in "
            + "kiln.yaml), --kernel-image REF (an image with /kernel or /boot/vmlinuz*), or set KILN_KERNEL; it must "
            + "have virtio-blk, virtio-net and ext4 built in, not as modules, as Firecracker's guest kernels do "
            + "(an x86 bzImage or vmlinux, an arm64 Image)";

    private final Path file;
    private final AtomicOutput extracted;

    private StepKernel(Path file, AtomicOutput extracted) {
        this.file = file;
        this.extracted = extracted;
    }

    /**
     * The kernel of {@code plan}; null when it has no run step (copies need no VM).
     *
     * @param image   opens {@code plan.kernelImage()}, flattened; used only when that is given
     * @param scratch where a kernel taken from an image is kept while the build runs
     */
    public static StepKernel resolve(StepPlan plan, StepBuild.Opener image, Path scratch) throws IOException {
        if (!plan.hasRuns()) {
            return null;
        }
        if (plan.kernelFile() != null) {
            return new StepKernel(plan.kernelFile(), null);
        }
        if (plan.kernelImage() != null) {
            AtomicOutput out = AtomicOutput.scratch(scratch, "kiln-kernel");
            try (EntryStream entries = image.open()) {
                if (KernelChoice.copy(entries, out.temporary()) == null) {
                    throw new KilnException(plan.kernelImage() + ": kernel image has no /kernel or /boot/vmlinuz*");
                }
                return new StepKernel(out.temporary(), out);
            } catch (IOException | RuntimeException e) {
                out.close();
                throw e;
            }
        }
        if (plan.environmentKernel() != null) {
            Path p = Path.of(plan.environmentKernel());
            if (!Files.isRegularFile(p)) {
                throw NotFound.file("KILN_KERNEL=" + plan.environmentKernel());
            }
            return new StepKernel(p, null);
        }
        throw new KilnException(NONE);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        if (extracted != null) {
            extracted.close();
        }
    }
}
