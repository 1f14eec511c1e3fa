package dev.kiln.cli;

import dev.kiln.guest.GuestConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What {@code init:} says, by its shape in kiln.yaml: a single value is the init mode, as it
 * always was ({@code init: kiln}); a list is LinuxKit's {@code init:}, images merged into the
 * root in order, a later one winning ({@code init: [oci:base, oci:tools]}), and then kiln-init is
 * the init. On the command line {@code --init MODE} gives the first, {@code --init-image REF}
 * (repeatable) the second; either replaces what the spec file says, in either shape.
 *
 * @param mode   auto, kiln or none; kiln when images are given
 * @param images the init images (any SOURCE form, local ones resolved), empty for a mode
 * @param lines  the spec file's line of each image, for messages; empty for flags. Not part of
 *               the value: the same images from a flag or a file are the same spec
 */
record InitChoice(String mode, List<String> images, List<Integer> lines) {
    static final List<String> MODES = List.of("auto", "kiln", "none");

    /** How init: is read, by the shape of its YAML value. */
    static final Kind<InitChoice> KIND = new Kind<>() {
        private final Kind<String> modes = Kinds.choice(MODES.toArray(String[]::new));

        @Override
        public InitChoice fromYaml(SpecFile.Node node, Path base) {
            if (node.value() instanceof SpecFile.Scalar s && MODES.contains(s.text().trim().toLowerCase(Locale.ROOT))) {
                return mode(s.text().trim());
            }
            if (!(node.value() instanceof List<?> items) || items.isEmpty()) {
                throw new SpecProblem("expected auto, kiln, none or a list of image references, got "
                        + (node.value() instanceof List ? "an empty list" : node.describe()));
            }
            List<String> images = new ArrayList<>();
            List<Integer> lines = new ArrayList<>();
            for (Object o : items) {
                SpecFile.Node item = (SpecFile.Node) o;
                try {
                    images.add(Kinds.IMAGE.fromYaml(item, base));
                } catch (SpecProblem p) {
                    throw p.at(item.line());
                }
                lines.add(item.line());
            }
            return new InitChoice("kiln", images, lines);
        }

        @Override
        public InitChoice fromFlag(List<String> texts, Path base) {
            return mode(modes.fromFlag(texts, base));
        }

        @Override
        public Object toYaml(InitChoice value) {
            return value.isImages() ? value.images() : value.mode();
        }

        @Override
        public List<String> choices() {
            return MODES;
        }
    };

    InitChoice {
        images = List.copyOf(images);
        lines = List.copyOf(lines);
    }

    static InitChoice mode(String mode) {
        return new InitChoice(mode.toLowerCase(Locale.ROOT), List.of(), List.of());
    }

    /** Init images from the command line (no lines). */
    static InitChoice images(List<String> images) {
        return new InitChoice("kiln", images, List.of());
    }

    boolean isImages() {
        return !images.isEmpty();
    }

    GuestConfig.InitMode initMode() {
        return GuestConfig.InitMode.valueOf(mode.toUpperCase(Locale.ROOT));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InitChoice c && mode.equals(c.mode) && images.equals(c.images);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, images);
    }

    /** As the help shows a default: the mode, or the images. */
    @Override
    public String toString() {
        return isImages() ? images.toString() : mode;
    }
}
