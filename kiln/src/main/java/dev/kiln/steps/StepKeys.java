package dev.kiln.steps;

import dev.kiln.run.StepCommand;

import java.util.ArrayList;
import java.util.List;

/**
 * The step cache's keys, on content only (never a time or a host path): the key of step k is
 * a digest of the base and of steps 1..k, so a change to step k changes the keys of k and of
 * every later step, never those before it.
 *
 * <p>The base is the resolved manifest digest when the source has one, else a digest of the
 * flattened tree ({@link TreeDigest}); with it go the platform and SOURCE_DATE_EPOCH (the time
 * of directories Kiln creates in the tree). A run step counts as the command Kiln runs: its
 * text, the environment (the image's merged with the step's), user, working directory and
 * whether it has the network. A copy step counts as its destination and the names, types,
 * modes, owners and bytes of what it copies ({@link HostCopy#digest}); host paths and times do
 * not count. The VM (kernel, CPUs, memory, time limit) does not count either.
 */
final class StepKeys {
    /** Changes whenever the meaning of a key or the format of a cached tree changes. */
    static final String VERSION = "kiln-steps-1";

    private StepKeys() {
    }

    /** The key of the tree the first step starts from. */
    static String base(String sourceDigest, String platform, long timestamp) {
        return new KeyDigest(VERSION + " base").text(sourceDigest).text(platform).number(timestamp).hex();
    }

    /** What a run step contributes: the command as kiln-init gets it. */
    static String run(StepCommand command) {
        return new KeyDigest("run").text(command.command()).texts(command.env()).text(command.user())
                .text(command.workdir()).number(command.network() ? 1 : 0).hex();
    }

    /** What a copy step contributes, from {@link HostCopy#digest}. */
    static String copy(String path, String contentDigest) {
        return new KeyDigest("copy").text(path).text(contentDigest).hex();
    }

    /** Key of each step: key(k) = digest(key(k-1), step k). */
    static List<String> chain(String base, List<String> stepDigests) {
        List<String> keys = new ArrayList<>();
        String previous = base;
        for (String step : stepDigests) {
            previous = new KeyDigest(VERSION + " step").text(previous).text(step).hex();
            keys.add(previous);
        }
        return keys;
    }
}
