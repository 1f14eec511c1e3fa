package dev.kiln.cli;

import dev.kiln.guest.ContainerSpec;
import dev.kiln.guest.MachineLayout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a build composes besides its main image (issue 13): the init images merged into the
 * root and the containers, each with where it was given, so that a problem found when the
 * images are opened (one that does not resolve, one of another platform, one with nothing to
 * run) still names the file, line and key. Made by {@link BuildSpec} from the keys of
 * {@link BuildKeys}; the images are opened by {@link MachineSources}.
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

    /**
     * The machine {@code values} describe, or null when they describe none (no init images and
     * no containers: a plain build). Names must be unique across the three lists.
     */
    static MachineSpec of(SpecMap values) {
        List<ImageRef> init = new ArrayList<>();
        InitChoice choice = values.get(BuildKeys.INIT);
        if (choice != null && choice.isImages()) {
            Origin origin = values.origin(BuildKeys.INIT);
            for (int i = 0; i < choice.images().size(); i++) {
                Origin item = origin instanceof Origin.InFile f && i < choice.lines().size()
                        ? new Origin.InFile(f.file(), choice.lines().get(i), f.key() + "[" + i + "]")
                        : origin instanceof Origin.OnCommandLine c
                        ? new Origin.OnCommandLine(c.flag(), List.of(choice.images().get(i))) : origin;
                init.add(new ImageRef(choice.images().get(i), where(item)));
            }
        }
        List<ContainerRef> containers = new ArrayList<>();
        Map<String, Origin> names = new LinkedHashMap<>();
        for (ContainerKeys keys : BuildKeys.CONTAINER_LISTS) {
            List<SpecMap> items = values.get(keys.list);
            for (int i = 0; items != null && i < items.size(); i++) {
                SpecMap item = items.get(i);
                String name = item.get(keys.name);
                Origin named = item.origin(keys.name);
                Origin first = names.putIfAbsent(name, named);
                if (first != null) {
                    throw named.error(new SpecProblem(name, "also the name of " + describe(first) + "; names are "
                            + "unique across onboot, services and onshutdown (each is a host name, a log file, a "
                            + "console prefix)"));
                }
                ImageRef image = new ImageRef(item.get(keys.image), where(item.origin(keys.image)));
                containers.add(new ContainerRef(keys.kind, i, name, image, keys.spec(item), where(item.origin())));
            }
        }
        return init.isEmpty() && containers.isEmpty() ? null : new MachineSpec(init, containers);
    }

    /** Every image reference of the machine, in the order they are opened. */
    List<ImageRef> images() {
        List<ImageRef> all = new ArrayList<>(init);
        containers.forEach(c -> all.add(c.image()));
        return all;
    }

    private static String where(Origin origin) {
        return origin == null ? "(spec)" : origin.where();
    }

    /** "services[0] (line 7)" for the spec file, the flag otherwise. */
    private static String describe(Origin o) {
        if (o instanceof Origin.InFile f) {
            String key = f.key().endsWith(".name") ? f.key().substring(0, f.key().length() - ".name".length())
                    : f.key();
            return key + " (line " + f.line() + ")";
        }
        return o.where();
    }
}
