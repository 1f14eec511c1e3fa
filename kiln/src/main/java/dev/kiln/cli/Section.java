package dev.kiln.cli;

/** The topics {@code kiln build --help} groups its options under, in this order. */
enum Section {
    SOURCE("Source"),
    STEPS("Build steps (run in a microVM, before Kiln adds its guest files)"),
    OUTPUTS("Outputs"),
    SIZING("Sizing and the filesystem"),
    GUEST("Guest (init, agent, image config, files)"),
    REGISTRY("Registries"),
    GENERAL("General");

    private final String heading;

    Section(String heading) {
        this.heading = heading;
    }

    String heading() {
        return heading;
    }
}
