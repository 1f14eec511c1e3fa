package dev.kiln.steps;

import dev.kiln.image.ImageConfig;
import dev.kiln.run.StepCommand;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache keys: every input that shapes a step's tree changes its key; nothing else does. */
class StepKeysTest {
    private static final ImageConfig IMAGE = new ImageConfig(List.of(), List.of(), List.of("PATH=/bin", "A=1"),
            "/srv", "app", null, null);

    @TempDir
    Path tmp;

    private static String run(String command, List<String> env, String user, String workdir, boolean network) {
        return StepKeys.run(StepCommand.onImage(IMAGE, command, env, user, workdir, network));
    }

    @Test
    void changingAStepChangesItsKeyAndTheLaterOnesOnly() {
        String base = StepKeys.base("sha256:aa", "linux/amd64", 0);
        List<String> one = StepKeys.chain(base, List.of("s1", "s2", "s3"));
        List<String> two = StepKeys.chain(base, List.of("s1", "s2-changed", "s3"));
        assertThat(one).hasSize(3).doesNotHaveDuplicates();
        assertThat(two.get(0)).isEqualTo(one.get(0));
        assertThat(two.get(1)).isNotEqualTo(one.get(1));
        assertThat(two.get(2)).isNotEqualTo(one.get(2));
        assertThat(StepKeys.chain(base, List.of("s1", "s2", "s3"))).isEqualTo(one);
        assertThat(one).allMatch(k -> k.matches("[0-9a-f]{64}"));
    }

    @Test
    void everyPartOfTheBaseCounts() {
        Set<String> keys = new HashSet<>(List.of(
                StepKeys.base("sha256:aa", "linux/amd64", 0),
                StepKeys.base("sha256:ab", "linux/amd64", 0),
                StepKeys.base("sha256:aa", "linux/arm64", 0),
                StepKeys.base("sha256:aa", "linux/amd64", 1)));
        assertThat(keys).hasSize(4);
    }

    @Test
    void everyPartOfARunStepCounts() {
        List<String> keys = List.of(
                run("make", null, null, null, true),
                run("make ", null, null, null, true),
                run("make", List.of("B=2"), null, null, true),
                run("make", List.of("A=2"), null, null, true),
                run("make", null, "app", null, true),
                run("make", null, null, "/src", true),
                run("make", null, null, null, false));
        assertThat(new HashSet<>(keys)).hasSize(keys.size());
        // the image's Env is part of what the command gets
        ImageConfig other = new ImageConfig(List.of(), List.of(), List.of("PATH=/bin", "A=9"), "/srv", "app", null, null);
        assertThat(StepKeys.run(StepCommand.onImage(other, "make", null, null, null, true)))
                .isNotEqualTo(keys.get(0));
        // but not the image's User (steps run as root unless they say)
        ImageConfig otherUser = new ImageConfig(List.of(), List.of(), IMAGE.env(), "/srv", "nobody", null, null);
        assertThat(StepKeys.run(StepCommand.onImage(otherUser, "make", null, null, null, true))).isEqualTo(keys.get(0));
    }

    /** Names, types, modes, owners, bytes and the destination count; where the files are and their times do not. */
    @Test
    void aCopyCountsWhatItCopiesNotWhereOrWhen() throws IOException {
        Path a = tree("a");
        String digest = copyKey(a, "/srv/app", null, null, null);
        Path b = tree("b");
        Files.setLastModifiedTime(b.resolve("f"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        assertThat(copyKey(b, "/srv/app", null, null, null)).as("same content elsewhere, other times").isEqualTo(digest);

        List<String> changed = new ArrayList<>();
        changed.add(copyKey(a, "/srv/other", null, null, null));
        changed.add(copyKey(a, "/srv/app", 1000L, null, null));
        changed.add(copyKey(a, "/srv/app", null, 1000L, null));
        changed.add(copyKey(a, "/srv/app", null, null, 0600));
        Path bytes = tree("bytes");
        Files.writeString(bytes.resolve("f"), "other");
        changed.add(copyKey(bytes, "/srv/app", null, null, null));
        Path mode = tree("mode");
        Tools.check("chmod", "0600", mode.resolve("d/g").toString());
        changed.add(copyKey(mode, "/srv/app", null, null, null));
        Path name = tree("name");
        Files.move(name.resolve("f"), name.resolve("f2"));
        changed.add(copyKey(name, "/srv/app", null, null, null));
        Path link = tree("link");
        Files.delete(link.resolve("l"));
        Files.createSymbolicLink(link.resolve("l"), Path.of("d/g"));
        changed.add(copyKey(link, "/srv/app", null, null, null));
        Path owner = tree("owner");
        Tools.check("chown", "1:1", owner.resolve("f").toString());
        changed.add(copyKey(owner, "/srv/app", null, null, null));
        assertThat(changed).doesNotContain(digest);
        assertThat(new HashSet<>(changed)).hasSize(changed.size());
    }

    private Path tree(String name) throws IOException {
        Path root = Files.createDirectories(tmp.resolve(name));
        Files.writeString(root.resolve("f"), "content");
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/g"), "more");
        Tools.check("chmod", "0644", root.resolve("f").toString(), root.resolve("d/g").toString());
        Tools.check("chmod", "0755", root.resolve("d").toString(), root.toString());
        Files.createSymbolicLink(root.resolve("l"), Path.of("f"));
        return root;
    }

    private static String copyKey(Path source, String path, Long uid, Long gid, Integer mode) throws IOException {
        Step.Copy copy = new Step.Copy(source, path, uid, gid, mode);
        return StepKeys.copy(copy.path(), HostCopy.plan(copy).digest());
    }
}
