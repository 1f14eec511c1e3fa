package dev.kiln.guest;

import java.util.List;

/**
 * Writes what kiln-init reads (kiln/src/main/c/PROTOCOL.md describes it; kiln-init's
 * protocol.c is the reader): a sequence of "key=value" records, each ended by a NUL byte.
 * Repeated keys form lists in order. NUL cannot occur in an argument or environment string,
 * so the format needs no quoting. Three files use it: /etc/kiln/init.conf in the image, the
 * run config disk that `kiln run` attaches for one boot ({@link #forRun()}), and the config of
 * one build step ({@link #forStep()}).
 */
public final class InitConf {
    /** The virtio serial number of the run config disk, by which kiln-init finds it. */
    public static final String RUN_CONFIG_SERIAL = "kiln-run";

    /** The record keys. */
    public enum Key {
        ENTRYPOINT, CMD, ENV, WORKDIR, USER, HOSTNAME, AGENT, AGENT_ARG, AGENT_ENV, SCRIPT, GRACE, DNS, VERSION,
        /** Build steps only: the shell command, the per-boot nonce of the report lines, the time limit. */
        COMMAND, NONCE, TIMEOUT,
        /** A composed machine: {@code poweroff} stops it when an onboot container fails (default {@code continue}). */
        ONBOOT_FAILURE;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Records out = new Records();

    /** An empty init.conf. */
    public InitConf() {
    }

    /**
     * A run config: the settings of one boot, applied over the image's init.conf (ENTRYPOINT,
     * CMD, ENV, USER, WORKDIR, HOSTNAME, DNS; see PROTOCOL.md for how each one merges).
     */
    public static InitConf forRun() {
        return new InitConf().put(Key.VERSION, "1");
    }

    /**
     * A build step's config (NONCE, COMMAND, ENV, USER, WORKDIR, DNS, TIMEOUT, GRACE), which
     * kiln-init reads from the initramfs the step boots with; see PROTOCOL.md.
     */
    public static InitConf forStep() {
        return new InitConf().put(Key.VERSION, "1");
    }

    public InitConf put(Key key, String value) {
        out.put(key.wire(), value);
        return this;
    }

    /**
     * A list as repeated records. An empty list is written as one empty value, which the reader
     * takes for the empty list (so that a run config can clear the image's Entrypoint or Cmd).
     */
    public InitConf putList(Key key, List<String> values) {
        if (values.isEmpty()) {
            return put(key, "");
        }
        values.forEach(v -> put(key, v));
        return this;
    }

    public byte[] bytes() {
        return out.bytes();
    }
}
