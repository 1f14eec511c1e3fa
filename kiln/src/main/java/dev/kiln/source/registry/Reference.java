package dev.kiln.source.registry;

import dev.kiln.KilnException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A registry image reference, normalised the way Docker does it: {@code alpine} is
 * {@code docker.io/library/alpine:latest}.
 *
 * @param registry   "docker.io", "ghcr.io", "host:5000", "[::1]:5000"
 * @param repository "library/alpine", "ns/app"
 * @param tag        the tag, or null when only a digest was given
 * @param digest     "sha256:...", or null
 */
public record Reference(String registry, String repository, String tag, String digest) {
    static final String DOCKER_HUB = "docker.io";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}");
    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");

    /** Parses {@code [docker://][HOST[:PORT]/]PATH[:TAG][@DIGEST]}. */
    public static Reference parse(String text) {
        String s = text.startsWith("docker://") ? text.substring("docker://".length()) : text;
        if (s.isEmpty()) {
            throw new KilnException(text + ": empty image reference");
        }
        String digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            digest = s.substring(at + 1);
            s = s.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw new KilnException(text + ": invalid digest '" + digest + "'");
            }
            if (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches()) {
                throw new KilnException(text + ": invalid sha256 digest '" + digest + "'");
            }
        }
        String registry = DOCKER_HUB;
        String rest = s;
        int slash = s.indexOf('/');
        if (slash > 0) {
            String first = s.substring(0, slash);
            // Docker's rule: the first component is a host when it has a dot or a port, or is localhost.
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                if (!HOST.matcher(first).matches()) {
                    throw new KilnException(text + ": invalid registry host '" + first + "'");
                }
                registry = first;
                rest = s.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new KilnException(text + ": invalid tag '" + tag + "'");
            }
        }
        if (rest.isEmpty()) {
            throw new KilnException(text + ": missing repository name");
        }
        if (!rest.equals(rest.toLowerCase(Locale.ROOT))) {
            throw new KilnException(text + ": repository name must be lowercase");
        }
        for (String component : rest.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw new KilnException(text + ": invalid repository name component '" + component + "'");
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new Reference(registry, rest, tag, digest);
    }

    /** The host[:port] to connect to: Docker Hub's API lives on registry-1.docker.io. */
    public String endpoint() {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** What to ask the manifests endpoint for: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** The repository with its registry, without tag or digest: "docker.io/library/alpine". */
    public String name() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
