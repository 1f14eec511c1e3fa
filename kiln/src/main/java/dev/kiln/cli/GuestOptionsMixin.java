package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.KilnException;
import dev.kiln.guest.GuestConfig;
import dev.kiln.guest.GuestConfig.FileSpec;
import dev.kiln.guest.GuestConfig.InitMode;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Options that make the image bootable and override its runtime config (see the README, "Booting"). */
public final class GuestOptionsMixin {
    @Option(names = "--init", paramLabel = "auto|kiln|none", defaultValue = "auto",
            description = "auto: keep the image's own init system (systemd, OpenRC, busybox init) when it has one "
                    + "and its Entrypoint/Cmd is empty or that init; else install kiln-init as /sbin/init. "
                    + "kiln: always kiln-init. none: no init. Default: ${DEFAULT-VALUE}.")
    String init;

    @Option(names = "--agent", paramLabel = "FILE[:DEST]",
            description = "A guest agent started at boot and restarted when it exits. Default DEST: "
                    + GuestConfig.DEFAULT_AGENT_DEST + ".")
    String agent;

    @Option(names = "--agent-arg", paramLabel = "ARG", description = "An argument of the agent (repeatable).")
    List<String> agentArgs = new ArrayList<>();

    @Option(names = "--agent-env", paramLabel = "NAME=VALUE", description = "Environment of the agent (repeatable).")
    List<String> agentEnv = new ArrayList<>();

    @Option(names = "--script", paramLabel = "FILE",
            description = "Run once at boot before the main program; output prefixed on the console.")
    Path script;

    @Option(names = "--hostname", paramLabel = "NAME", description = "Writes /etc/hostname and /etc/hosts.")
    String hostname;

    @Option(names = "--dns", paramLabel = "IP", description = "Name server for /etc/resolv.conf (repeatable).")
    List<String> dns = new ArrayList<>();

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Sets a variable of the main program (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--entrypoint", paramLabel = "ARG",
            description = "Replaces the image's Entrypoint (and clears its Cmd). Repeat for more arguments, "
                    + "or give a JSON array; an empty string clears it.")
    List<String> entrypoint;

    @Option(names = "--cmd", paramLabel = "ARG",
            description = "Replaces the image's Cmd. Repeat for more arguments, or give a JSON array; "
                    + "an empty string clears it.")
    List<String> cmd;

    @Option(names = "--user", paramLabel = "USER[:GROUP]", description = "Replaces the image's User (names or ids).")
    String user;

    @Option(names = "--workdir", paramLabel = "DIR", description = "Replaces the image's WorkingDir.")
    String workdir;

    @Option(names = "--file", paramLabel = "SRC:DEST[:MODE[:UID:GID]]",
            description = "Copies a host file into the image (repeatable); MODE in octal.")
    List<String> files = new ArrayList<>();

    GuestConfig toGuestConfig() {
        Path agentPath = null;
        String agentDest = null;
        if (agent != null) {
            int colon = agent.indexOf(':');
            agentPath = Path.of(colon < 0 ? agent : agent.substring(0, colon));
            agentDest = colon < 0 ? null : agent.substring(colon + 1);
        }
        return new GuestConfig(initMode(init), agentPath, agentDest, agentArgs, agentEnv, script, hostname, dns,
                env, argv("--entrypoint", entrypoint), argv("--cmd", cmd), user, workdir,
                files.stream().map(GuestOptionsMixin::fileSpec).toList());
    }

    static InitMode initMode(String value) {
        try {
            return InitMode.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new KilnException("--init " + value + ": expected auto, kiln or none");
        }
    }

    /** Repeated values are the arguments; one value that is a JSON array is parsed; "" clears. */
    static List<String> argv(String option, List<String> values) {
        if (values == null) {
            return null;
        }
        if (values.size() == 1 && values.get(0).isEmpty()) {
            return List.of();
        }
        if (values.size() == 1 && values.get(0).trim().startsWith("[")) {
            try {
                return new ObjectMapper().readValue(values.get(0), new TypeReference<List<String>>() { });
            } catch (JsonProcessingException e) {
                throw new KilnException(option + " " + values.get(0) + ": not a JSON array of strings");
            }
        }
        return List.copyOf(values);
    }

    static FileSpec fileSpec(String value) {
        String[] parts = value.split(":", -1);
        if (parts.length != 2 && parts.length != 3 && parts.length != 5) {
            throw new KilnException("--file " + value + ": expected SRC:DEST[:MODE[:UID:GID]]");
        }
        try {
            Integer mode = parts.length >= 3 ? Integer.parseInt(parts[2], 8) : null;
            Long uid = parts.length == 5 ? Long.parseLong(parts[3]) : null;
            Long gid = parts.length == 5 ? Long.parseLong(parts[4]) : null;
            if (mode != null && (mode < 0 || mode > 07777)) {
                throw new NumberFormatException();
            }
            return new FileSpec(Path.of(parts[0]), parts[1], mode, uid, gid);
        } catch (NumberFormatException e) {
            throw new KilnException("--file " + value + ": MODE must be octal (at most 7777), UID and GID numbers");
        }
    }
}
