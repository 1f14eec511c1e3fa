package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.entry.Entry;
import dev.kiln.testing.ReplacementCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static dev.kiln.guest.Entries.dir;
import static dev.kiln.guest.Entries.file;
import static dev.kiln.guest.Entries.link;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The guest stage's view of the image: the shared replacement table, symlink resolution, depth. */
class TreeViewTest {
    static List<ReplacementCases.Case> cases() {
        return ReplacementCases.all();
    }

    /** TreeView knows kinds and symlink targets; every path the entries mention must be as the table says. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void followsTheReplacementTable(ReplacementCases.Case c) throws Exception {
        TreeView view = new TreeView();
        for (Entry e : c.entries().get()) {
            view.observe(e);
        }
        Map<String, ReplacementCases.Expect> expected = ReplacementCases.byPath(c.expected());
        for (String path : c.mentioned()) {
            ReplacementCases.Expect x = expected.get(path);
            assertThat(view.exists(path)).as("%s exists", path).isEqualTo(x != null);
            if (x == null) {
                continue;
            }
            assertThat(view.isDirectory(path)).as("%s is a directory", path).isEqualTo(x.kind() == 'd');
            assertThat(view.isSymlink(path)).as("%s is a symlink", path).isEqualTo(x.kind() == 'l');
            assertThat(view.symlinkTarget(path)).as("%s's target", path)
                    .isEqualTo(x.kind() == 'l' ? java.util.Optional.of(x.detail()) : java.util.Optional.empty());
        }
    }

    @Test
    void resolvesSymlinksLikeTheKernelInsideTheRoot() throws Exception {
        TreeView view = view(dir("usr"), dir("usr/lib"), link("lib", "usr/lib"), link("usr/lib64", "/lib"),
                link("up", "../../.."), link("etc/alt", "../usr/lib/x"), file("usr/lib/x", "x"));
        assertThat(view.resolveFully("lib/a")).isEqualTo("usr/lib/a");
        assertThat(view.resolveFully("usr/lib64/a")).isEqualTo("usr/lib/a");
        assertThat(view.resolveFully("up/usr")).isEqualTo("usr");
        assertThat(view.resolveFully("etc/alt")).isEqualTo("usr/lib/x");
        assertThat(view.resolveParent("lib")).isEqualTo("lib");
        assertThat(view.resolveParent("lib/lib64")).isEqualTo("usr/lib/lib64");
        assertThat(view.isFileFollowing("etc/alt")).isTrue();
        assertThat(view.isFileFollowing("lib")).isFalse();
        assertThat(view.resolveFully("missing/../lib/./new")).isEqualTo("usr/lib/new");
    }

    @Test
    void aSymlinkLoopIsAnErrorNamingThePath() throws Exception {
        TreeView view = view(link("a", "b"), link("b", "a"));
        assertThatThrownBy(() -> view.resolveFully("a/x")).isInstanceOf(KilnException.class)
                .hasMessage("a/x: too many levels of symbolic links");
    }

    @Test
    void aReplacedFileIsNoLongerKept() throws Exception {
        TreeView view = view(file("etc/inittab", "old"));
        assertThat(view.kept("etc/inittab")).hasValueSatisfying(b -> assertThat(b).asString().isEqualTo("old"));
        view.observe(link("etc/inittab", "elsewhere"));
        assertThat(view.kept("etc/inittab")).isEmpty();
        view.observe(file("etc", "now a file"));
        assertThat(view.exists("etc/inittab")).isFalse();
    }

    @Test
    void pathsThousandsOfComponentsDeepNeedNoDeepStack() throws Exception {
        StringBuilder deep = new StringBuilder("d");
        for (int i = 1; i < 6000; i++) {
            deep.append("/d");
        }
        String path = deep.toString();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                TreeView view = view(file(path + "/f", "f"), link(path + "/up", "/" + path), link("top", path + "/up"));
                result.set(List.of(view.resolveFully("top/f"), view.isFileFollowing("top/f"), view.isDirectory(path)));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "small-stack", 256 * 1024);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            t.start();
            t.join();
        });
        assertThat(result.get()).isEqualTo(List.of(path + "/f", true, true));
    }

    private static TreeView view(Entry... entries) throws Exception {
        TreeView view = new TreeView();
        for (Entry e : entries) {
            view.observe(e);
        }
        return view;
    }
}
