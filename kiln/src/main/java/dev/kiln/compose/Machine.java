package dev.kiln.compose;

import dev.kiln.KilnException;
import dev.kiln.guest.ContainerConfig;
import dev.kiln.guest.ContainerSpec;
import dev.kiln.guest.MachineLayout;
import dev.kiln.image.Image;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A composed machine: the images merged into its root and its containers, all opened (the
 * caller closes them).
 *
 * @param root       the root's images, merged in this order (a later one wins); may be empty, then
 *                   the root holds only what the guest stage adds and the containers
 * @param containers every onboot, service and onshutdown container
 */
public record Machine(List<Part> root, List<Container> containers) {
    /**
     * An image and what messages call it.
     *
     * @param name the reference as given, or where it was given ("kiln.yaml:3: init[0]")
     */
    public record Part(String name, Image image) {
    }

    /**
     * One container.
     *
     * @param position its place in its list, from 0: the NNN of its directory, the order of onboot and onshutdown
     * @param spec     what the spec says over the image's config
     * @param where    where it was given, for messages ("kiln.yaml:12: services[1]")
     */
    public record Container(MachineLayout.Kind kind, int position, String name, Image image, ContainerSpec spec,
                            String where) {
        /** The directory of the container in the machine's root (no leading slash). */
        public String directory() {
            return MachineLayout.entry(kind, position, name);
        }

        /** The config kiln-init reads; an error names where the container was given. */
        public ContainerConfig config() {
            try {
                return spec.resolve(image.config());
            } catch (KilnException e) {
                throw e.within(where);
            }
        }
    }

    public Machine {
        root = List.copyOf(root);
        // onboot, services, onshutdown, each in the order of its list
        containers = containers.stream().sorted(Comparator.comparing(Container::kind)
                .thenComparingInt(Container::position)).toList();
        Set<String> names = new HashSet<>();
        for (Container c : containers) {
            MachineLayout.checkName(c.name());
            if (!names.add(c.name())) {
                throw new KilnException(c.where() + ": name " + c.name() + ": given to another container too; names "
                        + "are unique across onboot, services and onshutdown");
            }
        }
    }
}
