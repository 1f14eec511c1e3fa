package dev.kiln.image;

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
}
