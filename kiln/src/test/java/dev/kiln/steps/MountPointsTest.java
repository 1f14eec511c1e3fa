package dev.kiln.steps;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntryStream;
import dev.kiln.guest.Entries;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** kiln-init's mount points on a step's disk are Kiln's: gone from the tree read back unless the image had them. */
class MountPointsTest {
    private static List<String> paths(EntryStream s) throws IOException {
        List<String> out = new ArrayList<>();
        try (s) {
            for (Entry e = s.next(); e != null; e = s.next()) {
                out.add(e.pathString());
            }
        }
        return out;
    }

    @Test
    void theTreeWrittenToTheDiskSaysWhichItHad() throws IOException {
        MountPoints.Seen seen = new MountPoints.Seen(Entries.of(Entries.dir("proc"), Entries.file("dev/null", ""),
                Entries.dir("running"), Entries.dir("etc"), Entries.file("etc/sys", "")));
        paths(seen);
        assertThat(seen.present()).containsExactlyInAnyOrder(MountPoints.Point.PROC, MountPoints.Point.DEV,
                MountPoints.Point.ETC);
    }

    @Test
    void emptyMountPointsTheImageLackedAreLeftOut() throws IOException {
        EntryStream readBack = Entries.of(Entries.dir("etc"), Entries.dir("proc"), Entries.dir("sys"), Entries.dir("dev"),
                Entries.dir("run"), Entries.dir("runtime"), Entries.file("etc/x", "x"));
        // /etc is held back until something in it shows it is not empty
        assertThat(paths(MountPoints.cleaned(readBack, EnumSet.of(MountPoints.Point.DEV))))
                .containsExactly("dev", "runtime", "etc", "etc/x");
        // an image without /etc: the empty one made for resolv.conf's mount point goes too
        EntryStream noEtc = Entries.of(Entries.dir("etc"), Entries.dir("app"), Entries.file("app/x", "x"));
        assertThat(paths(MountPoints.cleaned(noEtc, EnumSet.noneOf(MountPoints.Point.class))))
                .containsExactly("app", "app/x");
    }

    @Test
    void oneThatIsNotEmptyIsKeptBeforeWhatItHolds() throws IOException {
        // a step that unmounted /run and wrote there: the directory comes back, whatever the order
        EntryStream before = Entries.of(Entries.dir("run"), Entries.dir("etc"), Entries.file("run/kept", "k"),
                Entries.dir("sys"));
        assertThat(paths(MountPoints.cleaned(before, Set.of()))).containsExactly("run", "run/kept");
        EntryStream after = Entries.of(Entries.file("run/kept", "k"), Entries.dir("run"));
        assertThat(paths(MountPoints.cleaned(after, Set.of()))).containsExactly("run/kept", "run");
    }

    @Test
    void withEveryOneInTheImageNothingIsTouched() throws IOException {
        EntryStream all = Entries.of(Entries.dir("proc"), Entries.dir("sys"), Entries.dir("dev"), Entries.dir("run"),
                Entries.dir("etc"));
        assertThat(paths(MountPoints.cleaned(all, EnumSet.allOf(MountPoints.Point.class))))
                .containsExactly("proc", "sys", "dev", "run", "etc");
    }
}
