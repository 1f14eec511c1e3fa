package dev.kiln.build;

import dev.kiln.KilnException;
import dev.kiln.compose.Machine;
import dev.kiln.image.Image;
import dev.kiln.image.Platform;
import dev.kiln.image.SourceOptions;
import dev.kiln.source.Sources;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The images of a composed machine, opened: the CLI's part of composing, since flatten, compose
 * and guest never open a source. Every reference is opened (and its manifest and config
 * verified) before a layer is read, with the same options ({@code --platform} among them), so
 * that one that does not resolve fails the build at once, naming where it was given. All must
 * be of one platform: kiln-init and every container run on the same machine. An image several
 * containers use is opened once and flattened for each (its layers are read once per use).
 */
final class MachineSources implements Closeable {
    private final List<Image> opened = new ArrayList<>();
    /** Each reference is opened once, however many containers use it (a registry is asked once). */
    private final Map<String, Image> byReference = new HashMap<>();
    private final List<LayerMeter> meters = new ArrayList<>();
    private Machine machine;
    private Image main;
    private String platform;

    private MachineSources() {
    }

    /**
     * Opens the main image (null when there is none) and every image of {@code spec}.
     *
     * @param wanted --platform, or null for the host's
     */
    static MachineSources open(String mainReference, MachineSpec spec, SourceOptions options, String wanted)
            throws IOException {
        MachineSources sources = new MachineSources();
        try {
            sources.openAll(mainReference, spec, options, wanted);
            return sources;
        } catch (IOException | RuntimeException e) {
            sources.close();
            throw e;
        }
    }

    private void openAll(String mainReference, MachineSpec spec, SourceOptions options, String wanted)
            throws IOException {
        checkStdinOnce(mainReference, spec);
        List<Machine.Part> all = new ArrayList<>();   // every image, named for messages
        List<Machine.Part> root = new ArrayList<>();
        for (MachineSpec.ImageRef ref : spec.init()) {
            root.add(open(ref, options));
        }
        if (mainReference != null) {
            Machine.Part part = open(new MachineSpec.ImageRef(mainReference, null), options);
            main = part.image();
            root.add(part);
        }
        all.addAll(root);
        List<Machine.Container> containers = new ArrayList<>();
        for (MachineSpec.ContainerRef c : spec.containers()) {
            Machine.Part part = open(c.image(), options);
            all.add(part);
            containers.add(new Machine.Container(c.kind(), c.position(), c.name(), part.image(), c.spec(), c.where()));
        }
        platform = onePlatform(all, wanted).toString();
        machine = new Machine(root, containers);
    }

    /**
     * The machine's platform: --platform's, else that of the first image that says one (tar:,
     * dir: and ext4: say none), else the host's; an image of another one is an error.
     */
    private static Platform onePlatform(List<Machine.Part> images, String wanted) {
        Platform machine = wanted == null ? null : Platform.parse(wanted);
        String from = "--platform";
        for (Machine.Part part : images) {
            Platform p = part.image().platform().map(Platform::parse).orElse(null);
            if (p == null) {
                continue;
            }
            if (machine == null) {
                machine = new Platform(p.os(), p.architecture(), "");
                from = part.name();
            } else if (!machine.accepts(p)) {
                throw new KilnException(part.name() + ": an image for " + p + ", but the machine is " + machine
                        + " (from " + from + "); every image of a machine must be of one platform: give --platform, "
                        + "or images that have it");
            }
        }
        return machine != null ? machine : Platform.host();
    }

    /**
     * Opens one image, counted for the progress display. A failure names where the reference
     * was given (a main image's, as in a plain build, names just the reference).
     */
    private Machine.Part open(MachineSpec.ImageRef ref, SourceOptions options) throws IOException {
        String reference = ref.reference();
        String name = ref.where() == null ? reference
                : ref.where().endsWith(" " + reference) ? ref.where() : ref.where() + ": " + reference;
        Image shared = byReference.get(reference);
        if (shared != null) {
            return new Machine.Part(name, shared);
        }
        Image image;
        try {
            image = Sources.open(reference, options);
        } catch (IOException | RuntimeException e) {
            if (ref.where() == null) {
                throw e;
            }
            String described = Failures.describe(e);
            if (described.startsWith(reference + ": ")) {
                described = described.substring(reference.length() + 2);
            }
            throw new KilnException(name + ": " + described, e);
        }
        opened.add(image);
        LayerMeter.Metered metered = LayerMeter.wrap(image);
        meters.add(metered.meter());
        byReference.put(reference, metered.image());
        return new Machine.Part(name, metered.image());
    }

    /** Standard input can be read once: at most one image may be tar:-. */
    private static void checkStdinOnce(String mainReference, MachineSpec spec) {
        List<MachineSpec.ImageRef> all = new ArrayList<>();
        if (mainReference != null) {
            all.add(new MachineSpec.ImageRef(mainReference, "SOURCE"));
        }
        all.addAll(spec.images());
        List<MachineSpec.ImageRef> stdin = all.stream().filter(r -> r.reference().equals("tar:-")).toList();
        if (stdin.size() > 1) {
            throw new KilnException(stdin.get(1).where() + ": tar:-: standard input can be read once, and "
                    + stdin.get(0).where() + " reads it already");
        }
    }

    Machine machine() {
        return machine;
    }

    /** The main image, or null when the machine has none. */
    Image main() {
        return main;
    }

    /** The machine's "os/arch": kiln-init's architecture. */
    String platform() {
        return platform;
    }

    LayerMeter meter() {
        return LayerMeter.combined(meters);
    }

    /** How many layers the machine's images have, all together. */
    int layers() {
        return opened.stream().mapToInt(i -> i.layers().size()).sum();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Image image : opened) {
            try {
                image.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        opened.clear();
        if (first != null) {
            throw first;
        }
    }
}
