package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.testing.ReplacementCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.flatten.Op.dir;
import static dev.kiln.flatten.Op.fifo;
import static dev.kiln.flatten.Op.file;
import static dev.kiln.flatten.Op.link;
import static dev.kiln.flatten.Op.opaque;
import static dev.kiln.flatten.Op.symlink;
import static dev.kiln.flatten.Op.whiteout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every rule in {@link Flattener}'s class comment and the hard cases of the design notes, on
 * in-memory layers (real tars, no tools, no root). Each case states the tree by hand; the
 * reference model ({@link OciModel}) must agree with it too, so the table also checks the model
 * that the property tests trust.
 */
class FlattenRulesTest {
    /** Layers bottom first; the tree as lines of {@link ReplacementCases.Expect#line}, or an error. */
    record Case(String name, List<List<Op>> layers, List<String> tree, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case tree(String name, List<List<Op>> layers, String... lines) {
        return new Case(name, layers, List.of(lines), null);
    }

    static Case error(String name, List<List<Op>> layers, String message) {
        return new Case(name, layers, null, message);
    }

    @SafeVarargs
    static List<List<Op>> layers(List<Op>... bottomFirst) {
        return List.of(bottomFirst);
    }

    static List<Op> layer(Op... ops) {
        return List.of(ops);
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // ---- whiteouts ----
        c.add(tree("a whiteout deletes the lower path and its subtree",
                layers(layer(dir("d"), file("d/x", "x"), dir("d/s"), file("d/s/y", "y"), file("e", "e")),
                        layer(whiteout("d"))),
                "/e f 0644 \"e\""));
        c.add(tree("a whiteout does not act on its own layer, after its entry in the tar",
                layers(layer(file("a", "old")), layer(file("a", "new"), whiteout("a"))),
                "/a f 0644 \"new\""));
        c.add(tree("a whiteout does not act on its own layer, before its entry in the tar",
                layers(layer(file("a", "old")), layer(whiteout("a"), file("a", "new"))),
                "/a f 0644 \"new\""));
        c.add(tree("a whiteout after the files it deletes, in the tar",
                layers(layer(file("x", "old"), file("keep", "k")), layer(file("y", "y"), whiteout("x"))),
                "/keep f 0644 \"k\"", "/y f 0644 \"y\""));
        c.add(tree("an opaque marker hides the lower contents and keeps the layer's own",
                layers(layer(dir("d", 0700), file("d/old", "o"), dir("d/s"), file("d/s/x", "x")),
                        layer(dir("d", 0750), file("d/new", "n"), opaque("d"))),
                "/d d 0750", "/d/new f 0644 \"n\""));
        c.add(tree("an opaque marker before its directory's entry",
                layers(layer(dir("d", 0700), file("d/old", "o")), layer(opaque("d"), dir("d", 0750), file("d/new", "n"))),
                "/d d 0750", "/d/new f 0644 \"n\""));
        c.add(tree("an opaque marker alone keeps the lower directory's metadata",
                layers(layer(dir("d", 0700), file("d/old", "o")), layer(opaque("d"))),
                "/d d 0700"));
        c.add(tree("an opaque marker makes its directory exist in its layer",
                layers(layer(file("x", "x")), layer(opaque("d/e"))),
                "/d d 0755", "/d/e d 0755", "/x f 0644 \"x\""));
        c.add(tree("an opaque marker over a lower symlink makes a directory",
                layers(layer(dir("real"), file("real/x", "x"), symlink("d", "real")), layer(opaque("d"))),
                "/d d 0755", "/real d 0755", "/real/x f 0644 \"x\""));
        c.add(tree("an opaque marker in the root hides every lower path",
                layers(layer(file("a", "a"), dir("b")), layer(file("c", "c"), opaque(""))),
                "/c f 0644 \"c\""));
        c.add(tree("a whiteout does not make its parent a directory",
                layers(layer(file("f", "f")), layer(whiteout("f/x"))),
                "/f f 0644 \"f\""));
        c.add(tree("a file and a whiteout below it in one layer (umoci repack writes this)",
                layers(layer(dir("f"), file("f/inner", "i")), layer(file("f", "now"), whiteout("f/inner"))),
                "/f f 0644 \"now\""));
        c.add(tree("other AUFS metadata is dropped",
                layers(layer(file("x", "x")), layer(whiteout(".wh.plnk"), whiteout("d/.wh.aufs"))),
                "/x f 0644 \"x\""));
        c.add(tree("a deleted path comes back only with what the upper layer gives",
                layers(layer(dir("d"), file("d/old", "o")), layer(whiteout("d")), layer(dir("d", 0700), file("d/new", "n"))),
                "/d d 0700", "/d/new f 0644 \"n\""));

        // ---- a non-directory hides the lower subtree for good ----
        c.add(tree("a file over a lower directory hides its subtree",
                layers(layer(dir("d"), file("d/x", "x")), layer(file("d", "f"))),
                "/d f 0644 \"f\""));
        c.add(tree("a directory over a file over a directory: the lowest contents stay hidden",
                layers(layer(dir("d", 0700), file("d/x", "x")), layer(file("d", "f")), layer(dir("d", 0750), file("d/y", "y"))),
                "/d d 0750", "/d/y f 0644 \"y\""));
        c.add(tree("a directory over a symlink over a directory: the lowest contents stay hidden",
                layers(layer(dir("d"), file("d/x", "x")), layer(symlink("d", "elsewhere")), layer(dir("d", 0750))),
                "/d d 0750"));
        c.add(tree("a file then a directory in one layer over a lower directory",
                layers(layer(dir("d"), file("d/x", "x")), layer(file("d", "f"), dir("d", 0750), file("d/y", "y"))),
                "/d d 0750", "/d/y f 0644 \"y\""));
        c.add(tree("an implicit parent over a file over a directory: the lowest contents stay hidden",
                layers(layer(dir("d", 0700), file("d/x", "x")), layer(fifo("d")), layer(file("d/y", "y"))),
                "/d d 0755", "/d/y f 0644 \"y\""));
        c.add(tree("a non-directory that a higher whiteout deleted still hid what was below it",
                layers(layer(dir("d"), file("d/x", "x")), layer(file("d", "f")), layer(whiteout("d")), layer(dir("d", 0700))),
                "/d d 0700"));
        c.add(tree("an upper directory hides only the lower directory's metadata",
                layers(layer(dir("d", 0700), file("d/x", "x")), layer(dir("d", 0750), file("d/y", "y"))),
                "/d d 0750", "/d/x f 0644 \"x\"", "/d/y f 0644 \"y\""));

        // ---- parents ----
        c.add(tree("a parent no layer lists takes the lower directory's metadata",
                layers(layer(dir("d", 0700), file("d/x", "x")), layer(file("d/y", "y"))),
                "/d d 0700", "/d/x f 0644 \"x\"", "/d/y f 0644 \"y\""));
        c.add(tree("a parent no layer gives is 0755 root",
                layers(layer(file("a/b/c", "c"))),
                "/a d 0755", "/a/b d 0755", "/a/b/c f 0644 \"c\""));
        c.add(tree("an upper lnk/new over a lower symlink lnk makes lnk a directory (the runtime view)",
                layers(layer(dir("real"), file("real/old", "o"), symlink("lnk", "real")), layer(file("lnk/new", "n"))),
                "/lnk d 0755", "/lnk/new f 0644 \"n\"", "/real d 0755", "/real/old f 0644 \"o\""));
        c.add(tree("implicit parents, then a file at the top of them in the same layer",
                layers(layer(file("x/y/f", "f"), file("x", "file"))),
                "/x f 0644 \"file\""));
        c.add(tree("implicit parents, then a file at the top of them, over a lower directory",
                layers(layer(dir("x"), file("x/old", "o")), layer(file("x/y/f", "f"), file("x", "file"))),
                "/x f 0644 \"file\""));
        c.add(tree("implicit parents, a file over them, then a directory again in the same layer",
                layers(layer(file("x/y/f", "f"), file("x", "file"), dir("x", 0700), file("x/z", "z"))),
                "/x d 0700", "/x/z f 0644 \"z\""));

        // ---- one layer: later entries win ----
        c.add(tree("the same path twice in one layer: the later entry wins",
                layers(layer(file("dup", "first"), file("dup", "second-and-longer"), file("dup", "third"))),
                "/dup f 0644 \"third\""));
        c.add(tree("the same path twice in one layer, of different kinds",
                layers(layer(dir("a"), file("a/x", "x"), symlink("a", "t"), file("b", "b"), dir("b", 0700))),
                "/a l -> t 0777", "/b d 0700"));
        c.add(tree("the same path twice in a hidden layer changes nothing above",
                layers(layer(file("a", "1"), file("a", "2")), layer(file("a", "top"))),
                "/a f 0644 \"top\""));
        c.add(error("an entry below a non-directory of its own layer",
                layers(layer(file("x", "x"), file("x/y", "y"))),
                "x/y: parent x is not a directory"));

        // ---- hard links ----
        c.add(tree("a hard link to a file of its layer",
                layers(layer(file("t", "x"), link("l", "t"))),
                "/l f 0644 \"x\" =t", "/t f 0644 \"x\" =l"));
        c.add(tree("a hard link whose first name an upper whiteout deletes",
                layers(layer(file("t", "x"), link("l", "t")), layer(whiteout("t"))),
                "/l f 0644 \"x\""));
        c.add(tree("three names, the first deleted above: the two others stay one inode",
                layers(layer(file("t", "x"), link("a", "t"), link("b", "t")), layer(whiteout("t"))),
                "/a f 0644 \"x\" =b", "/b f 0644 \"x\" =a"));
        c.add(tree("a hard link whose first name an upper file replaces",
                layers(layer(file("t", "old"), link("l", "t")), layer(file("t", "new"))),
                "/l f 0644 \"old\"", "/t f 0644 \"new\""));
        c.add(tree("a hard link whose first name an upper opaque directory hides",
                layers(layer(dir("d"), file("d/t", "x"), link("l", "d/t")), layer(opaque("d"))),
                "/d d 0755", "/l f 0644 \"x\""));
        c.add(tree("a hard link whose first name's directory an upper file replaces",
                layers(layer(dir("d"), file("d/t", "x"), link("l", "d/t")), layer(file("d", "f"))),
                "/d f 0644 \"f\"", "/l f 0644 \"x\""));
        c.add(tree("a chain of links whose first two names are deleted",
                layers(layer(file("t", "x"), link("a", "t"), link("b", "a")), layer(whiteout("t"), whiteout("a"))),
                "/b f 0644 \"x\""));
        c.add(tree("a link to a hidden link name whose first name shows",
                layers(layer(file("t", "x"), link("a", "t"), link("b", "a")), layer(whiteout("a"))),
                "/b f 0644 \"x\" =t", "/t f 0644 \"x\" =b"));
        c.add(tree("a hidden first name replaced in its layer after the link: the link keeps the old inode",
                layers(layer(file("t", "1"), link("l", "t"), file("t", "2")), layer(whiteout("t"))),
                "/l f 0644 \"1\""));
        c.add(tree("a hidden first name given twice before the link: the link takes the second",
                layers(layer(file("t", "1"), file("t", "2"), link("l", "t")), layer(whiteout("t"))),
                "/l f 0644 \"2\""));
        c.add(tree("two inodes at one hidden first name, each with its own link",
                layers(layer(file("t", "1"), link("a", "t"), file("t", "2"), link("b", "t"), link("c", "t")),
                        layer(whiteout("t"))),
                "/a f 0644 \"1\"", "/b f 0644 \"2\" =c", "/c f 0644 \"2\" =b"));
        c.add(tree("a held-back link that its layer replaces later",
                layers(layer(file("t", "x"), link("l", "t"), file("l", "own")), layer(whiteout("t"))),
                "/l f 0644 \"own\""));
        c.add(tree("a held-back link whose directory its layer replaces later",
                layers(layer(file("t", "x"), link("d/l", "t"), file("d", "f")), layer(whiteout("t"))),
                "/d f 0644 \"f\""));
        c.add(tree("a held-back link replaced by a directory later in its layer",
                layers(layer(file("t", "x"), link("l", "t"), link("m", "t"), dir("l", 0700)), layer(whiteout("t"))),
                "/l d 0700", "/m f 0644 \"x\""));
        c.add(tree("a hard link over its own parent directory, then the directory again",
                layers(layer(file("c/a", "x"), link("c", "c/a"), dir("c", 0700))),
                "/c d 0700"));
        c.add(tree("a held-back link over a directory of its layer replaces it where the tar has it",
                layers(layer(file("t", "x"), dir("d"), file("d/y", "y"), link("d", "t"), dir("d", 0700)),
                        layer(whiteout("t"))),
                "/d d 0700"));
        c.add(tree("a held-back link over a file of its layer",
                layers(layer(file("t", "x"), file("l", "old"), link("l", "t")), layer(whiteout("t"))),
                "/l f 0644 \"x\""));
        c.add(tree("a hard link to a symlink whose first name is deleted",
                layers(layer(symlink("s", "x"), link("l", "s")), layer(whiteout("s"))),
                "/l l -> x 0777"));
        c.add(tree("a hard link over its own target",
                layers(layer(file("t", "x"), link("t", "t"))),
                "/t f 0644 \"x\""));
        c.add(error("a hard link to a file of a lower layer is refused",
                layers(layer(file("t", "x")), layer(link("l", "t"))),
                "l: hard link to t, which is not a file earlier in the same layer"));
        c.add(error("a hard link to a file of a lower layer is refused when the upper layer replaced the file",
                layers(layer(file("t", "x")), layer(file("t", "y"), file("u", "u")), layer(link("l", "t"))),
                "l: hard link to t, which is not a file earlier in the same layer"));
        c.add(error("a hard link to nothing is refused",
                layers(layer(file("t", "x"), link("l", "missing"))),
                "l: hard link to missing, which is not a file earlier in the same layer"));
        c.add(error("a hard link to a directory is refused",
                layers(layer(dir("d"), link("l", "d")), layer(whiteout("d"))),
                "l: hard link to d, which is not a file earlier in the same layer"));

        // ---- found by the property tests (shrunk counterexamples, now fixed) ----
        c.add(tree("an opaque marker below a non-directory of its own layer is ignored",
                layers(layer(file("a", "x"), opaque("a/a")), layer(file("a/b", "b"))),
                "/a d 0755", "/a/b f 0644 \"b\""));
        c.add(tree("a directory given twice in the layer that gives an upper implicit parent its metadata",
                layers(layer(dir("a", 0700), dir("a", 0750)), layer(file("a/a", "x"))),
                "/a d 0750", "/a/a f 0644 \"x\""));
        c.add(tree("an entry deleted above still made its parents",
                layers(layer(file("a/a", "x")), layer(whiteout("a/a"))),
                "/a d 0755"));
        c.add(tree("an opaque marker's directory deleted above still made its parents",
                layers(layer(opaque("a/a")), layer(whiteout("a/a"))),
                "/a d 0755"));
        c.add(tree("a directory then a file in one layer, under an upper implicit parent",
                layers(layer(dir("a", 0700), file("a", "f")), layer(file("a/a", "x"))),
                "/a d 0755", "/a/a f 0644 \"x\""));
        c.add(tree("a directory replaced and made again in one layer, under upper implicit parents",
                layers(layer(file("b/b", "1"), file("b", "2"), dir("b", 0700), file("b/b/a", "3")),
                        layer(file("b/b/a", "top"))),
                "/b d 0700", "/b/b d 0755", "/b/b/a f 0644 \"top\""));
        c.add(tree("a hard link over its target's directory, with another name outside",
                layers(layer(file("b/a", "x"), link("a", "b/a"), link("b", "b/a"))),
                "/a f 0644 \"x\" =b", "/b f 0644 \"x\" =a"));
        c.add(tree("a link to a hidden name that names the link's own inode",
                layers(layer(file("b", "x"), link("a", "b"), link("b", "a"), link("c", "a")), layer(fifo("a"))),
                "/a p 0644", "/b f 0644 \"x\" =c", "/c f 0644 \"x\" =b"));
        c.add(tree("an inode whose first name is replaced, still in the output under another link name",
                layers(layer(file("c", "1"), link("a", "c"), link("b", "a"), file("c", "2"), link("c", "a")),
                        layer(fifo("a"))),
                "/a p 0644", "/b f 0644 \"1\" =c", "/c f 0644 \"1\" =b"));

        // ---- what one pass cannot merge ----
        c.add(error("a directory's entries, then a non-directory over it, under an upper directory",
                layers(layer(dir("p"), file("p/x", "x"), file("p", "f")), layer(dir("p", 0700), file("p/y", "y"))),
                "p: replaced by a non-directory after entries below it in the same layer"));
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void flattensLikeTheTable(Case c) throws Exception {
        Layers.MemoryImage image = Layers.image(c.layers());
        if (c.error() != null) {
            assertThatThrownBy(() -> new TreeModel().putAll(Flattener.flatten(image)))
                    .isInstanceOf(KilnException.class)
                    .hasMessageStartingWith("sha256:")
                    .hasMessageContaining(c.error());
            return;
        }
        List<String> kiln = ReplacementCases.lines(new TreeModel().putAll(Flattener.flatten(image)).expects(), true);
        assertThat(kiln).as("Kiln").containsExactlyElementsOf(c.tree());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theReferenceModelAgrees(Case c) {
        if (c.error() != null) {
            if (!c.error().contains("cannot merge") && !c.error().contains("replaced by a non-directory")) {
                assertThatThrownBy(() -> OciModel.apply(c.layers())).isInstanceOf(TreeModel.Refused.class);
            }
            return;
        }
        assertThat(ReplacementCases.lines(OciModel.apply(c.layers()).expects(), true)).as("model")
                .containsExactlyElementsOf(c.tree());
    }

    @Test
    void hiddenFirstNamesCostOneMoreReadOfTheirLayerHoweverMany() throws Exception {
        int n = 2000;
        List<Op> base = new ArrayList<>();
        List<Op> top = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            base.add(file("orig/" + i, "content " + i));
            base.add(link("alias/" + i, "orig/" + i));
            base.add(link("alias2/" + i, "orig/" + i));
        }
        top.add(whiteout("orig"));
        Layers.MemoryImage image = Layers.image(base, top);
        TreeModel tree = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> new TreeModel().putAll(Flattener.flatten(image)));
        assertThat(image.memoryLayers().get(0).opens).hasValue(2); // the pass, and the one re-read
        assertThat(image.memoryLayers().get(1).opens).hasValue(1);
        assertThat(tree.lookup("orig")).isNull();
        for (int i = 0; i < n; i += 397) {
            TreeModel.Inode a = tree.lookup("alias/" + i);
            assertThat(new String(a.data, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("content " + i);
            assertThat(tree.lookup("alias2/" + i)).isSameAs(a);
        }
        assertThat(tree.listing()).containsExactlyElementsOf(OciModel.apply(List.of(base, top)).listing());
    }

    @Test
    void aLayerWithoutHiddenFirstNamesIsReadOnce() throws Exception {
        Layers.MemoryImage image = Layers.image(layer(file("t", "x"), link("l", "t")), layer(whiteout("other")));
        new TreeModel().putAll(Flattener.flatten(image));
        assertThat(image.memoryLayers().get(0).opens).hasValue(1);
    }

    @Test
    void pathsThousandsOfComponentsDeepNeedNoDeepStack() throws Exception {
        StringBuilder deep = new StringBuilder("d");
        for (int i = 1; i < 6000; i++) {
            deep.append("/d");
        }
        String leaf = deep + "/leaf";
        List<List<Op>> stack = layers(layer(file(leaf, "deep"), dir(deep.substring(0, 2999 * 2 + 1), 0700)),
                layer(whiteout(deep.substring(0, 1999) + "/gone"), file(deep.substring(0, 3999) + "/f", "f")));
        Layers.MemoryImage image = Layers.image(stack);
        TreeModel tree = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> onSmallStack(() -> new TreeModel().putAll(Flattener.flatten(image))));
        assertThat(tree.lookup(leaf).data).asString().isEqualTo("deep");
        assertThat(tree.lookup(deep.substring(0, 2999 * 2 + 1)).mode).isEqualTo(0700);
        assertThat(tree.listing()).containsExactlyElementsOf(OciModel.apply(stack).listing());
    }

    /** Runs {@code work} on a thread with a 256 KiB stack, where recursion over path depth overflows. */
    static <T> T onSmallStack(java.util.concurrent.Callable<T> work) throws Exception {
        java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(work.call());
            } catch (Throwable e) {
                result.set(e);
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError("failed on a small stack: " + e, e);
        }
        @SuppressWarnings("unchecked") T value = (T) result.get();
        return value;
    }

    @Test
    void theRootTakesTheNewestLayersMetadata() throws Exception {
        List<List<Op>> stack = layers(layer(dir("", 0700), file("a", "a")), layer(dir("", 0750), dir("", 0751)),
                layer(file("b", "b")));
        TreeModel tree = new TreeModel().putAll(Layers.flatten(stack));
        assertThat(tree.root.mode).isEqualTo(0751);
        assertThat(tree.listing()).containsExactlyElementsOf(OciModel.apply(stack).listing());
        assertThat(new TreeModel().putAll(Layers.flatten(layers(layer(file("a", "a"))))).root.mode).isEqualTo(0755);
    }
}
