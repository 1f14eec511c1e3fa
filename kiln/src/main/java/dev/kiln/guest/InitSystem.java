package dev.kiln.guest;

import java.util.List;
import java.util.Set;

/** The init system an image brings, as far as Kiln can tell from its files. */
enum InitSystem {
    NONE, SYSTEMD, OPENRC, BUSYBOX, OTHER;

    private static final List<String> SYSTEMD_BINARIES = List.of("lib/systemd/systemd", "usr/lib/systemd/systemd");

    /** Program names that mean "start the image's init" when they are an image's Entrypoint or Cmd. */
    private static final Set<String> INIT_PROGRAMS = Set.of("/sbin/init", "/lib/systemd/systemd",
            "/usr/lib/systemd/systemd", "/sbin/openrc-init", "/usr/sbin/init", "init");

    static InitSystem detect(TreeView tree) {
        boolean hasInit = tree.isFileFollowing("sbin/init");
        String initTarget = tree.resolveFully("sbin/init");
        for (String systemd : SYSTEMD_BINARIES) {
            if (tree.isFileFollowing(systemd) && (!hasInit || initTarget.equals(tree.resolveFully(systemd)))) {
                return SYSTEMD;
            }
        }
        // Alpine with OpenRC boots busybox init, whose inittab starts openrc: OpenRC is the
        // service manager to register with.
        if (tree.isFileFollowing("sbin/openrc") || tree.isFileFollowing("sbin/openrc-init")) {
            return OPENRC;
        }
        if (hasInit && (initTarget.endsWith("busybox") || tree.kept("etc/inittab").isPresent())) {
            return BUSYBOX;
        }
        return hasInit ? OTHER : NONE;
    }

    /** Whether the argv starts the image's init rather than an application. */
    static boolean startsInit(List<String> argv) {
        return !argv.isEmpty() && INIT_PROGRAMS.contains(argv.get(0));
    }
}
