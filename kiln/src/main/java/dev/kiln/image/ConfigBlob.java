package dev.kiln.image;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import java.util.List;
import java.util.Map;

/**
 * An OCI or Docker image config blob: the platform the image was built for, its runtime config
 * and the digests of its uncompressed layers. Only what Kiln uses is bound; the rest (history,
 * created, author, healthchecks) is ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConfigBlob(@JsonProperty("architecture") String architecture,
                         @JsonProperty("os") String os,
                         @JsonProperty("variant") String variant,
                         @JsonProperty("config") RuntimeConfig config,
                         @JsonProperty("rootfs") RootFs rootfs) {

    /** Reads a config blob; {@code where} (its digest) names it in messages. */
    public static ConfigBlob read(byte[] json, String where) {
        return Json.read(json, ConfigBlob.class, where);
    }

    /** The platform the config names, or null when it names no architecture. */
    public Platform platform() {
        return Platform.of(os, architecture, variant);
    }

    /** The runtime part, empty where the blob has none. */
    public ImageConfig imageConfig() {
        if (config == null) {
            return ImageConfig.empty();
        }
        return new ImageConfig(config.entrypoint, config.cmd, config.env, config.workingDir, config.user,
                config.exposedPorts == null ? null : List.copyOf(config.exposedPorts.keySet()), config.labels);
    }

    /** The uncompressed layers' digests, bottom first; empty when the blob lists none. */
    public List<String> diffIds() {
        return rootfs == null || rootfs.diffIds == null ? List.of() : rootfs.diffIds;
    }

    /**
     * The "config" object. Entrypoint and Cmd may be one string, as Docker accepts it (its
     * strslice type): that string is the one element. A null element of a list or a label reads
     * as "", as Go's decoder does.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RuntimeConfig(
            @JsonProperty("Entrypoint") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> entrypoint,
            @JsonProperty("Cmd") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> cmd,
            @JsonProperty("Env") @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> env,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("User") String user,
            @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
            @JsonProperty("Labels") @JsonSetter(contentNulls = Nulls.AS_EMPTY) Map<String, String> labels) {
    }

    /** "rootfs": the layers' diff_ids. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RootFs(@JsonProperty("type") String type,
                         @JsonProperty("diff_ids") @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> diffIds) {
    }
}
