package dev.kiln.steps;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryStream;
import dev.kiln.entry.EntryType;
import dev.kiln.guest.Entries;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** copy: steps as entries after the tree: where they land, what they keep, what they refuse. */
class CopyStageTest {
    private static final long EPOCH = 1234;

    @TempDir
    Path tmp;
    Path app;

    @BeforeEach
    void hostTree() throws IOException {
        Tools.assumeRoot();   // owners other than this user's
        app = Files.createDirectories(tmp.resolve("app"));
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho run\n");
        Files.createDirectories(app.resolve("lib"));
        Files.writeString(app.resolve("lib/data"), "data");
        Files.createLink(app.resolve("lib/again"), app.resolve("lib/data"));
        Files.createSymbolicLink(app.resolve("current"), Path.of("lib"));
        Tools.check("chmod", "0750", app.resolve("run.sh").toString());
        Tools.check("chmod", "0700", app.resolve("lib").toString());
        Tools.check("chmod", "0755", app.toString());
        Tools.check("chown", "-h", "1001:1002", app.resolve("run.sh").toString(), app.resolve("current").toString());
    }

    /** A Debian-like tree: merged /usr (bin -> usr/bin) and an /srv directory. */
    private static EntryStream image() {
        return Entries.of(Entries.dir("usr"), Entries.dir("usr/bin"), Entries.link("bin", "usr/bin"),
                Entries.dir("srv"), Entries.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"));
    }

    private static Map<String, Entries.Out> copy(EntryStream tree, Step.Copy... copies) throws IOException {
        List<HostCopy.Planned> planned = new java.util.ArrayList<>();
        for (Step.Copy c : copies) {
            planned.add(HostCopy.plan(c));
        }
        return Entries.drain(new CopyStage(tree, planned, EPOCH));
    }

    @Test
    void aTreeKeepsNamesModesOwnersLinksAndGetsTheBuildTime() throws IOException {
        Map<String, Entries.Out> out = copy(image(), new Step.Copy(app, "/srv/app", null, null, null));

        assertThat(out.get("srv/app").entry().type()).isEqualTo(EntryType.DIRECTORY);
        assertThat(out.get("srv/app").entry().mode()).isEqualTo(0755);
        Entries.Out run = out.get("srv/app/run.sh");
        assertThat(run.text()).isEqualTo("#!/bin/sh\necho run\n");
        assertThat(run.entry().mode()).isEqualTo(0750);
        assertThat(run.entry().uid()).isEqualTo(1001);
        assertThat(run.entry().gid()).isEqualTo(1002);
        assertThat(run.entry().mtimeSeconds()).isEqualTo(EPOCH);
        assertThat(out.get("srv/app/lib").entry().mode()).isEqualTo(0700);
        assertThat(out.get("srv/app/current").entry().type()).isEqualTo(EntryType.SYMLINK);
        assertThat(new String(out.get("srv/app/current").entry().linkTarget())).isEqualTo("lib");
        assertThat(out.get("srv/app/current").entry().uid()).isEqualTo(1001);
        // host hard links stay links: the later name in walk order points at the first
        assertThat(out.get("srv/app/lib/again").text()).isEqualTo("data");
        assertThat(out.get("srv/app/lib/data").entry().type()).isEqualTo(EntryType.HARDLINK);
        assertThat(new String(out.get("srv/app/lib/data").entry().linkTarget())).isEqualTo("srv/app/lib/again");
        assertThat(out).containsKey("etc/passwd");
    }

    @Test
    void ownerAndModeCanBeSetModeOnFilesOnly() throws IOException {
        Map<String, Entries.Out> out = copy(image(), new Step.Copy(app, "/srv/app", 1000L, 1000L, 0640));
        assertThat(out.get("srv/app/run.sh").entry().mode()).isEqualTo(0640);
        assertThat(out.get("srv/app/lib/again").entry().mode()).isEqualTo(0640);
        assertThat(out.get("srv/app/lib").entry().mode()).isEqualTo(0700);
        assertThat(out.values()).filteredOn(o -> o.entry().pathString().startsWith("srv/app"))
                .allMatch(o -> o.entry().uid() == 1000 && o.entry().gid() == 1000);
    }

    @Test
    void theDestinationFollowsTheImagesSymlinksAndAFileGoesIntoADirectory() throws IOException {
        Map<String, Entries.Out> out = copy(image(),
                new Step.Copy(app.resolve("run.sh"), "/bin/tool", null, null, null),
                new Step.Copy(app.resolve("run.sh"), "/srv", null, null, 0755),
                new Step.Copy(app.resolve("run.sh"), "/opt/new/", null, null, null),
                new Step.Copy(app.resolve("lib"), "/", null, null, null));
        assertThat(out).containsKeys("usr/bin/tool", "srv/run.sh", "opt/new/run.sh", "again", "data")
                .doesNotContainKeys("bin/tool", "srv/lib");
        assertThat(out.get("bin").entry().type()).as("the image's symlink stays").isEqualTo(EntryType.SYMLINK);
        assertThat(out).as("a directory copied to / leaves the root's metadata").doesNotContainKey("");
    }

    @Test
    void aDirectoryOntoAFileAndAFifoAreRefused() throws IOException {
        assertThatThrownBy(() -> copy(image(), new Step.Copy(app, "/etc/passwd", null, null, null)))
                .isInstanceOf(KilnException.class)
                .hasMessage("copy: " + app + " to /etc/passwd: /etc/passwd: exists in the image and is not a directory");
        Tools.check("mkfifo", app.resolve("fifo").toString());
        assertThatThrownBy(() -> HostCopy.plan(new Step.Copy(app, "/srv/app", null, null, null)))
                .isInstanceOf(KilnException.class).hasMessage("copy: " + app + " to /srv/app: " + app.resolve("fifo")
                        + ": not a regular file, directory or symlink; copy takes only those");
        assertThatThrownBy(() -> HostCopy.plan(new Step.Copy(tmp.resolve("absent"), "/x", null, null, null)))
                .hasMessage("copy: " + tmp.resolve("absent") + " to /x: " + tmp.resolve("absent")
                        + ": no such file or directory");
    }

    /** The key was taken from the bytes at the start; a file changed since fails the build. */
    @Test
    void aFileChangedAfterItWasHashedFailsTheBuild() throws IOException {
        Step.Copy step = new Step.Copy(app.resolve("run.sh"), "/srv/run.sh", null, null, null);
        HostCopy.Planned planned = HostCopy.plan(step);
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho RUN\n");   // same size, other bytes
        assertThatThrownBy(() -> Entries.drain(new CopyStage(image(), List.of(planned), EPOCH)))
                .isInstanceOf(KilnException.class).hasMessage("copy: " + app.resolve("run.sh") + " to /srv/run.sh: "
                        + app.resolve("run.sh") + ": changed while the build ran (its cache key was taken from the "
                        + "earlier content); run the build again");
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho run\nmore\n");   // grew
        assertThatThrownBy(() -> Entries.drain(new CopyStage(image(), List.of(planned), EPOCH)))
                .isInstanceOf(KilnException.class).hasMessageContaining(": changed while the build ran");
        Files.writeString(app.resolve("run.sh"), "#!/bin/sh\necho run\n");
        assertThat(Entries.drain(new CopyStage(image(), List.of(planned), EPOCH)).get("srv/run.sh").text())
                .isEqualTo("#!/bin/sh\necho run\n");
    }
}
