package dev.kiln.flatten;

import dev.kiln.KilnException;
import dev.kiln.source.oci.OciFixtures;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Layers crafted with GNU tar (whiteouts, opaque directories, replacements both ways, metadata
 * only directory entries, parentless entries, hard links, the shadowed-first-name hard link,
 * same-layer duplicates, "./" entries) stacked with {@code umoci raw add-layer}; Kiln's
 * flattening must list exactly like {@code umoci unpack} of the same image.
 */
class FlattenerTest {
    @TempDir
    static Path work;
    static Path layout;

    @BeforeAll
    static void build() {
        OciFixtures.assumeOciTools();
        layout = work.resolve("layout");
        Tools.sh("""
                cd %s
                umask 022
                # layer 1: the base
                mkdir -p l1/etc l1/dir2file l1/gone/sub l1/opq/sub l1/meta l1/hl l1/hl2 l1/deep/a/b/c l1/file2dir l1/hidden
                echo root:x:0:0 > l1/etc/passwd; echo keep > l1/etc/keep
                echo inner > l1/dir2file/inner
                echo f2d > l1/file2dir/../file2dir.tmp; rmdir l1/file2dir; mv l1/file2dir.tmp l1/file2dir
                echo a > l1/gone/a; echo b > l1/gone/sub/b
                echo o1 > l1/opq/old1; echo o2 > l1/opq/sub/old2
                echo child > l1/meta/child; chmod 0700 l1/meta; chown 1:1 l1/meta
                echo v1 > l1/readded
                echo shared > l1/hl/a; ln l1/hl/a l1/hl/b; ln l1/hl/a l1/hl/c
                echo pair > l1/hl2/x; ln l1/hl2/x l1/hl2/y
                echo secret > l1/hidden/orig; ln l1/hidden/orig l1/hidden/alias
                echo deep > l1/deep/a/b/c/file
                mknod l1/null c 1 3; mknod l1/blk b 7 300; mkfifo l1/fifo
                ln -s etc/passwd l1/sym
                echo x > l1/xattr; setfattr -n user.kiln -v hello l1/xattr; setfattr -n security.capability -v 0sAQAAAgAgAAAAAAAAAAAAAAAAAAA= l1/xattr
                echo suid > l1/suid; chown 1000:100000 l1/suid; chmod 4755 l1/suid
                tar --xattrs --xattrs-include='*' --numeric-owner -C l1 -cf l1.tar .

                # layer 2: deletions and replacements
                mkdir -p l2/opq l2/meta l2/file2dir l2/hl l2/newtop/sub l2/hidden
                touch l2/.wh.gone l2/.wh.readded l2/hidden/.wh.alias l2/opq/.wh..wh..opq
                echo new1 > l2/opq/new1
                chmod 0750 l2/meta; chown 2:2 l2/meta
                echo x > l2/file2dir/x
                echo replaced > l2/hl/a
                echo orphan > l2/newtop/sub/file
                echo file-now > l2/dir2file
                # the opaque marker before its directory's entry, the parentless file without parents
                tar --numeric-owner -C l2 -cf l2.tar --no-recursion ./opq/.wh..wh..opq ./opq ./opq/new1 \\
                    ./.wh.gone ./.wh.readded ./meta ./file2dir ./file2dir/x ./hl/a ./newtop/sub/file \\
                    ./hidden/.wh.alias ./dir2file
                # a file and, after it in the same layer, a whiteout under the same path (umoci repack does this)
                mkdir -p l2b/dir2file; touch l2b/dir2file/.wh.inner
                tar --numeric-owner -C l2b -rf l2.tar ./dir2file/.wh.inner

                # layer 3: re-adds, a root entry, in-layer duplicates and links
                mkdir -p l3/gone l3/l3
                echo v3 > l3/readded; echo again > l3/gone/new
                echo root2:x:0:0 > l3/etc-passwd-new
                echo f > l3/l3/f; ln l3/l3/f l3/l3/g
                echo first > l3/dup
                tar --numeric-owner -C l3 -cf l3.tar --no-recursion ./ ./readded ./gone ./gone/new ./l3 ./l3/f ./l3/g
                echo second-and-longer > l3/dup
                tar --numeric-owner -C l3 -rf l3.tar ./dup
                echo third > l3/dup
                tar --numeric-owner -C l3 -rf l3.tar ./dup
                """.formatted(work));
        OciFixtures.newImage(layout, "t");
        for (String l : List.of("l1.tar", "l2.tar", "l3.tar")) {
            OciFixtures.addLayer(layout, "t", work.resolve(l));
        }
    }

    @Test
    void hardLinkToALowerLayerIsAnError() {
        Path bad = work.resolve("badlink");
        Tools.sh("""
                cd %s
                mkdir -p bl1 bl2; echo t > bl1/t; tar -C bl1 -cf bl1.tar ./t
                echo t > bl2/t; ln bl2/t bl2/l; tar -C bl2 -cf bl2.tar ./t ./l; tar --delete -f bl2.tar ./t
                """.formatted(work));
        OciFixtures.newImage(bad, "t");
        OciFixtures.addLayer(bad, "t", work.resolve("bl1.tar"));
        OciFixtures.addLayer(bad, "t", work.resolve("bl2.tar"));
        assertThatThrownBy(() -> OciFixtures.flattened("oci:" + bad + ":t"))
                .isInstanceOf(KilnException.class).hasMessageStartingWith("sha256:")
                .hasMessageContaining("l: hard link to t");
    }

    @Test
    void ext4ImageMatchesUmociUnpack() throws Exception {
        List<String> expected = OciFixtures.reference(layout, "t", work);
        assertThat(OciFixtures.built("oci:" + layout + ":t", work, expected)).containsExactlyElementsOf(expected);
    }

    @Test
    void matchesUmociUnpack() throws Exception {
        List<String> expected = OciFixtures.reference(layout, "t", work);
        List<String> actual = OciFixtures.flattened("oci:" + layout + ":t");
        assertThat(actual).containsExactlyElementsOf(expected);
        // Spot checks that the reference itself shows the cases this test is about.
        assertThat(String.join("\n", expected))
                .contains("/dir2file|f|").doesNotContain("/dir2file/inner")
                .doesNotContain("/gone/a").contains("/gone/new|f")
                .doesNotContain("/opq/old1").contains("/opq/new1")
                .contains("/meta|d|0750|2:2").contains("/meta/child")
                .contains("/hl/b|f|0644|0:0|size=7").contains("link=/hl/b")
                .doesNotContain("/hidden/alias").contains("/hidden/orig")
                .contains("/newtop/sub/file").contains("/file2dir/x");
    }
}
