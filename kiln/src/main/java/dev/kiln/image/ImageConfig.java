package dev.kiln.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The runtime part of an OCI image config ("config" in the config blob). Empty for plain
 * root filesystems (tar:, dir:).
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env,
                          String workingDir, String user, List<String> exposedPorts,
                          Map<String, String> labels) {

    public ImageConfig {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        workingDir = workingDir == null ? "" : workingDir;
        user = user == null ? "" : user;
        exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public static ImageConfig empty() {
        return new ImageConfig(null, null, null, null, null, null, null);
    }

    /**
     * This config's Env with each NAME=VALUE of {@code changes} replacing the variable NAME, or
     * added at the end, as {@code docker run -e} does (the guest's --env, a step's env:, a
     * container's env:).
     */
    public List<String> envWith(List<String> changes) {
        List<String> merged = new ArrayList<>(env);
        for (String kv : changes) {
            String name = kv.substring(0, Math.max(0, kv.indexOf('=')));
            merged.removeIf(e -> e.equals(name) || e.startsWith(name + "="));
            merged.add(kv);
        }
        return merged;
    }
}
