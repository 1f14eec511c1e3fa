package dev.kiln.build;

import dev.kiln.guest.ContainerSpec;
import dev.kiln.guest.MachineLayout;

import java.util.ArrayList;
import java.util.List;

/**
 * What a build composes besides its main image (issue 13): the init images merged into the
 * root and the containers, each with where it was given, so that a problem found when the
 * images are opened (one that does not resolve, one of another platform, one with nothing to
 * run) still names the file, line and key. The CLI makes it from kiln.yaml and the flags; the
 * images are opened by {@link MachineSources}.
 *
 * @param init       images merged into the root in order, before the main image (a later one wins)
 * @param containers onboot, services and onshutdown, each list in its order
 */
public record MachineSpec(List<ImageRef> init, List<ContainerRef> containers) {
    /**
     * @param reference the image reference (any SOURCE form; local ones resolved)
     * @param where     where it was given: "kiln.yaml:3: init[0]", "--init-image REF"
     */
    public record ImageRef(String reference, String where) {
    }

    /**
     * @param position its place in its list, from 0
     * @param where    where the item was given: "kiln.yaml:12: services[1]"
     */
    public record ContainerRef(MachineLayout.Kind kind, int position, String name, ImageRef image,
                               ContainerSpec spec, String where) {
    }

    public MachineSpec {
        init = List.copyOf(init);
        containers = List.copyOf(containers);
    }

    /** Every image reference of the machine, in the order they are opened. */
    public List<ImageRef> images() {
        List<ImageRef> all = new ArrayList<>(init);
        containers.forEach(c -> all.add(c.image()));
        return all;
    }
}
