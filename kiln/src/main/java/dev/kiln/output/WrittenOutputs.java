package dev.kiln.output;

import dev.kiln.ext4.Ext4Summary;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@link OutputSession#finish()} left: every output in the plan's order, published ones
 * committed together.
 *
 * @param ext4     the filesystem that the ext4 and qcow2 outputs hold, or null when none was made
 * @param warnings every warning given on the way (also passed on as it happened)
 */
public record WrittenOutputs(List<WrittenOutput> outputs, Ext4Summary ext4, List<String> warnings) {
    public WrittenOutputs {
        outputs = List.copyOf(outputs);
        warnings = List.copyOf(warnings);
    }

    /** The file of the first scratch output of {@code format}, while its session is open. */
    public Optional<Path> scratch(OutputFormat format) {
        return outputs.stream().filter(o -> o.scratch() && o.format() == format).map(WrittenOutput::path).findFirst();
    }
}
