package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.image.SourceOptions;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.steps.StepPlan;

/**
 * Everything one build needs, resolved from flags and the spec file.
 *
 * @param source    the main image, or null for a composed machine without one
 * @param timestamp mtime of what Kiln itself creates: SOURCE_DATE_EPOCH, else 0
 * @param plan      every output (the ext4 one included) and how to write them
 * @param machine   the init images and containers of a composed machine, or null for a plain build
 * @param steps     build steps run on the image before the guest stage; none when empty
 */
public record BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                           long timestamp, OutputPlan plan, MachineSpec machine, StepPlan steps) {
    public BuildRequest {
        sourceOptions = sourceOptions == null ? SourceOptions.defaults() : sourceOptions;
        steps = steps == null ? StepPlan.none() : steps;
        if (guest != null && guest.bare()) {
            // what the CLI refuses key by key, for every other caller too
            String adds = machine != null ? "a composed machine adds its containers"
                    : !steps.isEmpty() ? "build steps change it"
                    : plan.outputs().stream().anyMatch(o -> o.format() == OutputFormat.INITRAMFS
                            || o.format() == OutputFormat.KERNEL_INITRD) ? "an initramfs adds /init" : null;
            if (adds != null) {
                throw new KilnException("bare: a bare build is the source's tree exactly, and " + adds);
            }
        }
    }

    /** A plain build of one image, without steps. */
    public BuildRequest(String source, SourceOptions sourceOptions, Ext4Options ext4, GuestConfig guest,
                        long timestamp, OutputPlan plan) {
        this(source, sourceOptions, ext4, guest, timestamp, plan, null, null);
    }

    /** The same build with {@code $KILN_KERNEL}'s value (may be null) as the steps' last choice of kernel. */
    BuildRequest withEnvironmentKernel(String kernel) {
        return new BuildRequest(source, sourceOptions, ext4, guest, timestamp, plan, machine,
                steps.withEnvironmentKernel(kernel));
    }
}
