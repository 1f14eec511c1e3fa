package dev.kiln.guest;

import dev.kiln.KilnException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a composed machine's containers go in its root, as kiln-init finds them
 * (kiln/src/main/c/PROTOCOL.md, "Composed machines"):
 * {@code containers/KIND/NNN-NAME/rootfs} (the container's files) and
 * {@code containers/KIND/NNN-NAME/config} ({@link ContainerConfig}). kiln-init runs the onboot
 * and onshutdown entries in the order of NNN, which is the position in the spec's list.
 */
public final class MachineLayout {
    /** The directory of the root that holds the containers (no leading slash, as entry paths). */
    public static final String CONTAINERS = "containers";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    /** The three lists of a composed machine, each with its directory under {@link #CONTAINERS}. */
    public enum Kind {
        /** run one after another, each to completion, before any service starts */
        ONBOOT("onboot"),
        /** started after onboot, restarted with backoff when they end */
        SERVICE("services"),
        /** run one after another when the machine is asked to stop */
        ONSHUTDOWN("onshutdown");

        private final String dir;

        Kind(String dir) {
            this.dir = dir;
        }

        public String dir() {
            return dir;
        }
    }

    private MachineLayout() {
    }

    /** {@code containers/KIND/NNN-NAME}: the container's directory, {@code position} counted from 0. */
    public static String entry(Kind kind, int position, String name) {
        checkName(name);
        if (position < 0 || position > 999) {
            throw new KilnException(kind.dir() + ": " + name + ": position " + position + " is out of range (0 to 999)");
        }
        return CONTAINERS + "/" + kind.dir() + "/" + String.format(Locale.ROOT, "%03d", position) + "-" + name;
    }

    public static String rootfs(Kind kind, int position, String name) {
        return entry(kind, position, name) + "/rootfs";
    }

    public static String config(Kind kind, int position, String name) {
        return entry(kind, position, name) + "/config";
    }

    /**
     * A container's name: its host name, the prefix of its console lines and its log file
     * {@code /var/log/NAME.log}, so letters, digits, '-', '_' and '.', starting with a letter or digit.
     */
    public static void checkName(String name) {
        if (!isName(name)) {
            throw new KilnException("name " + name + ": " + NAME_RULE);
        }
    }

    /** What {@link #checkName} asks of a name, for messages. */
    public static final String NAME_RULE = "use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";

    /** Whether {@code name} may name a container (see {@link #checkName}). */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
