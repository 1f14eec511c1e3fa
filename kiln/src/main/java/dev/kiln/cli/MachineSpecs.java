package dev.kiln.cli;

import dev.kiln.build.MachineSpec;
import dev.kiln.build.MachineSpec.ContainerRef;
import dev.kiln.build.MachineSpec.ImageRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@link MachineSpec} the keys of {@link BuildKeys} describe, each image with where it was given. */
final class MachineSpecs {
    private MachineSpecs() {
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
