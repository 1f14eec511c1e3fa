package dev.kiln.source;

import dev.kiln.cli.Main;
import dev.kiln.tar.Trees;
import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import dev.kiln.testing.TreeListing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ext4:} end to end against real tools: trees made with GNU tools (xattrs,
 * security.capability, access and default ACLs, hard links, devices, FIFOs, sparse files,
 * fast and slow symlinks (mkfs.ext4 -d writes none longer than a block), odd names, a 10,000-entry
 * htree directory) put into images by
 * {@code mkfs.ext4 -d} with the features that change the on-disk format, then
 * {@code kiln build ext4:IMG --format tar=...} extracted by GNU tar must list exactly as the
 * source tree does (Python listing, not Kiln's code), and the ext4 output must be e2fsck clean.
 */
class Ext4SourceTest {
    /** What Kiln adds (the guest files under etc/, which the trees lack) and what mkfs.ext4 adds. */
    static final String[] ADDED = {"etc", "lost+found"};

    static Path work;
    static Path tree;
    static Path many;
    static List<String> treeListing;

    @BeforeAll
    static void trees() throws IOException {
        Tools.assumeRoot();
        Tools.assumeTools("mkfs.ext4", "e2fsck", "debugfs", "tar", "setfacl", "setcap", "setfattr", "python3");
        work = Files.createTempDirectory("kiln-ext4src");
        tree = Trees.make(work, false);
        Trees.makeXattrs(tree);
        Tools.sh("""
                cd "$1"
                dd if=/dev/zero of=holes bs=4096 seek=100 count=0 2>/dev/null
                printf data >> holes; dd if=/dev/zero bs=4096 count=50 >> holes 2>/dev/null; printf end >> holes
                ln -s "$(printf 'c%.0s' $(seq 1000))" sym1000
                ln -s "$(printf 'a%.0s' $(seq 59))" sym59
                printf v > xattr-block && setfattr -n user.big -v "$(printf 'x%.0s' $(seq 900))" xattr-block
                setfattr -n trusted.t -v trusted xattr-block
                printf old > old && touch -d '1960-06-01 12:00:00 UTC' old
                """.replace("\"$1\"", "'" + tree + "'"));
        many = work.resolve("many");
        Tools.sh("mkdir -p '" + many + "/d' && cd '" + many + "/d' && for i in $(seq -w 1 10000); do : > \"entry-$i\"; done"
                + " && echo content > entry-00042 && ln entry-00042 hard-00042");
        treeListing = withoutRoot(TreeListing.of(tree));
    }

    @AfterAll
    static void removeTrees() {
        if (work != null) {
            Tools.check("rm", "-rf", work.toString());
        }
    }

    /** The root's own attributes differ: mkfs.ext4 -d gives the root directory its own. */
    static List<String> withoutRoot(List<String> listing) {
        return listing.stream().filter(l -> !l.startsWith("/|")).toList();
    }

    static Path mkfs(Path source, String name, String... options) {
        Path image = work.resolve(name + ".img");
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-N", "16384", "-E", "lazy_itable_init=0"));
        cmd.addAll(Arrays.asList(options));
        cmd.addAll(List.of("-d", source.toString(), image.toString(), "256M"));
        Tools.Result r = Tools.run(cmd);
        assertThat(r.exitCode()).as("%s%n%s", cmd, r.output()).isZero();
        Ext4Image.assertClean(image);
        return image;
    }

    /** Builds ext4 and tar from the image, checks the ext4 and returns the tar's tree as extracted by GNU tar. */
    static List<String> buildAndExtract(Path image, String name) {
        Path ext4 = work.resolve(name + "-out.ext4");
        Path tar = work.resolve(name + "-out.tar");
        assertThat(build("ext4:" + image, "-o", ext4.toString(), "--format", "tar=" + tar, "--init", "none")).isZero();
        Ext4Image.assertClean(ext4);
        Path extracted = work.resolve(name + "-x");
        Tools.check("mkdir", "-p", extracted.toString());
        Tools.check("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-C", extracted.toString(), "-xpf",
                tar.toString());
        return withoutRoot(TreeListing.of(extracted, ADDED));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "4k: -b 4096",
        "1k: -b 1024",
        "no-csum-32bit: -O ^metadata_csum,^64bit",
        "inline-data: -O inline_data",
        "ext3-128-byte-inodes: -t ext3 -I 128",
        "ext2-1k-block-maps: -t ext2 -b 1024",
        "meta_bg: -O meta_bg,^resize_inode",
        "bigalloc: -O bigalloc -C 16384",
    })
    void aTreeMadeByMkfsComesBackWhole(String variant) {
        String name = variant.substring(0, variant.indexOf(':'));
        String[] options = variant.substring(variant.indexOf(':') + 2).split(" ");
        Path image = mkfs(tree, name, options);
        TreeListing.assertSame(buildAndExtract(image, name), treeListing);
    }

    @Test
    void aDirectoryOfTenThousandEntriesComesBackWhole() {
        tenThousand("4k-htree", "-b", "4096");
    }

    @Test
    @Tag("slow")
    void aDirectoryOfTenThousandEntriesComesBackWholeWithSmallBlocksAndNoChecksums() {
        tenThousand("1k-htree-no-csum", "-b", "1024", "-O", "^metadata_csum");
    }

    private static void tenThousand(String name, String... options) {
        Path image = mkfs(many, name, options);
        // mkfs.ext4 -d writes linear directories; e2fsck -D turns the big one into an htree.
        assertThat(Tools.run("e2fsck", "-fyD", image.toString()).exitCode()).isLessThanOrEqualTo(1);
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /d")).contains("Flags: 0x81000"); // extents + htree index
        List<String> got = buildAndExtract(image, name);
        assertThat(got).hasSize(10_002);
        TreeListing.assertSame(got, withoutRoot(TreeListing.of(many)));
    }

    /**
     * A 5 GiB file with two blocks of data goes through as two blocks: no hole is read or written;
     * a 48 MiB file of random bytes beside it comes back byte for byte; with 4 KiB and 1 KiB blocks.
     */
    @ParameterizedTest(name = "-b {0}")
    @ValueSource(strings = {"4096", "1024"})
    void largeSparseAndDenseFilesComeBackWhole(String blockSize) throws Exception {
        Path src = Files.createDirectories(work.resolve("large-src-" + blockSize));
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(src.resolve("big").toFile(), "rw")) {
            f.write("head".getBytes(StandardCharsets.US_ASCII));
            f.seek((5L << 30) - 4);
            f.write("tail".getBytes(StandardCharsets.US_ASCII));
        }
        Tools.check("sh", "-c", "head -c 50331648 /dev/urandom > '" + src.resolve("dense") + "'");
        Path image = mkfs(src, "large-" + blockSize, "-b", blockSize);
        Path ext4 = work.resolve("large-out-" + blockSize + ".ext4");
        Path tar = work.resolve("large-out-" + blockSize + ".tar");
        assertThat(build("ext4:" + image, "-o", ext4.toString(), "--format", "tar=" + tar, "--init", "none")).isZero();
        Ext4Image.assertClean(ext4);
        assertThat(Ext4Image.debugfs(ext4, "stat /big")).contains("Size: " + (5L << 30));
        String[] blocks = Ext4Image.debugfs(ext4, "blocks /big").trim().split("\\s+");
        assertThat(blocks).hasSize(2);
        byte[] last = new byte[4096];
        try (var f = new java.io.RandomAccessFile(ext4.toFile(), "r")) {
            f.seek(Long.parseLong(blocks[1]) * 4096);
            f.readFully(last);
        }
        assertThat(new String(last, 4092, 4, StandardCharsets.US_ASCII)).isEqualTo("tail");
        assertThat(Files.size(tar)).isLessThan(60L << 20);
        assertThat(Tools.check("tar", "-tvf", tar.toString())).contains(" " + (5L << 30) + " ");
        Path x = Files.createDirectories(work.resolve("large-x-" + blockSize));
        Tools.check("tar", "-C", x.toString(), "-xf", tar.toString(), "dense");
        assertThat(Files.mismatch(x.resolve("dense"), src.resolve("dense"))).isEqualTo(-1);
        Tools.check("rm", "-rf", src.toString(), x.toString(), image.toString(), ext4.toString(), tar.toString());
    }

    /**
     * Kiln's image read back and built again with the same options is byte for byte the image:
     * the guest stage finds its own files (/etc/kiln/image.json, init.conf, kiln-init as
     * /sbin/init) in the tree exactly as it would write them and leaves them where they are,
     * instead of writing them again with new inodes. The same holds for every rebuild after.
     */
    @ParameterizedTest(name = "--init {0}")
    @ValueSource(strings = {"none", "kiln"})
    void aKilnImageReadBackAndRebuiltIsTheSameBytes(String init) throws Exception {
        Path a = work.resolve("rt-" + init + "-a.ext4");
        Path b = work.resolve("rt-" + init + "-b.ext4");
        Path c = work.resolve("rt-" + init + "-c.ext4");
        String[] same = {"--init", init, "--hostname", "rt", "--env", "A=1", "--file", tree.resolve("old") + ":/etc/old"};
        assertThat(build(concat(new String[] {"dir:" + tree, "-o", a.toString()}, same))).isZero();
        assertThat(build(concat(new String[] {"ext4:" + a, "-o", b.toString()}, same))).isZero();
        assertThat(build(concat(new String[] {"ext4:" + b, "-o", c.toString()}, same))).isZero();
        assertThat(sha256(b)).isEqualTo(sha256(a));
        assertThat(sha256(c)).isEqualTo(sha256(a));
        Ext4Image.assertClean(b);
        try (Ext4Image.Mount mount = Ext4Image.mount(b, false)) {
            TreeListing.assertSame(withoutGuestFiles(TreeListing.of(mount.dir(), ADDED)), TreeListing.of(tree));
        }
    }

    /** With other options the guest files differ, and are written again (the rebuild is not the same bytes). */
    @Test
    void aKilnImageRebuiltWithOtherOptionsGetsTheNewGuestFiles() {
        Path a = work.resolve("rt-other-a.ext4");
        Path b = work.resolve("rt-other-b.ext4");
        assertThat(build("dir:" + tree, "-o", a.toString(), "--init", "none", "--env", "A=1")).isZero();
        assertThat(build("ext4:" + a, "-o", b.toString(), "--init", "none", "--env", "A=2")).isZero();
        assertThat(Ext4Image.debugfs(b, "cat /etc/kiln/init.conf")).contains("A=2").doesNotContain("A=1");
        Ext4Image.assertClean(b);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The listing without what the options above add outside etc/ (kiln-init and its mount points). */
    private static List<String> withoutGuestFiles(List<String> listing) {
        return listing.stream().filter(l -> !l.matches("^/(sbin|proc|sys|dev|run|tmp)[/|].*")).toList();
    }

    @Test
    void theConfigOfAKilnImageIsItsImageConfig() {
        Path a = work.resolve("cfg-a.ext4");
        Path b = work.resolve("cfg-b.ext4");
        assertThat(build("dir:" + tree, "-o", a.toString(), "--init", "none", "--entrypoint", "/bin/app",
                "--env", "MODE=prod", "--user", "1000:1000", "--workdir", "/srv")).isZero();
        assertThat(build("ext4:" + a, "-o", b.toString(), "--init", "none")).isZero();
        String json = Ext4Image.debugfs(a, "cat /etc/kiln/image.json");
        assertThat(json).contains("/bin/app").contains("MODE=prod").contains("1000:1000").contains("/srv");
        assertThat(Ext4Image.debugfs(b, "cat /etc/kiln/image.json")).isEqualTo(json);
        assertThat(Ext4Image.debugfs(b, "cat /etc/kiln/init.conf"))
                .isEqualTo(Ext4Image.debugfs(a, "cat /etc/kiln/init.conf")).contains("/bin/app");
    }

    @Test
    void aDamagedImageFailsWithOneLineNamingWhereAndWritesNothing() throws IOException {
        Path image = mkfs(tree, "damaged", "-b", "4096");
        long rootBlock = Long.parseLong(Ext4Image.debugfs(image, "blocks /").trim().split("\\s+")[0]);
        Tools.check("dd", "if=/dev/urandom", "of=" + image, "bs=1", "seek=" + (rootBlock * 4096 + 40), "count=16",
                "conv=notrunc", "status=none");
        Path out = work.resolve("damaged-out.ext4");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(build(err, "ext4:" + image, "-o", out.toString())).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kiln: ext4:" + image
                + ": /: directory block 0: checksum mismatch\n");
        assertThat(out).doesNotExist();
        try (var files = Files.list(work)) {
            assertThat(files).noneMatch(p -> p.getFileName().toString().contains(".kiln-"));
        }

        Path notExt4 = work.resolve("not-ext4.img");
        Files.write(notExt4, new byte[4096]);
        err.reset();
        assertThat(build(err, "ext4:" + notExt4, "-o", out.toString())).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kiln: ext4:" + notExt4
                + ": superblock: bad magic 0x0 (not an ext2/3/4 filesystem)\n");
        err.reset();
        assertThat(build(err, "ext4:" + work.resolve("absent.img"), "-o", out.toString())).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kiln: ext4:" + work.resolve("absent.img")
                + ": no such file\n");
    }

    static String sha256(Path file) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    static int build(String... args) {
        return build(new ByteArrayOutputStream(), args);
    }

    static int build(ByteArrayOutputStream err, String... args) {
        PrintStream old = System.err;
        try (PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            String[] full = new String[args.length + 1];
            full[0] = "build";
            System.arraycopy(args, 0, full, 1, args.length);
            return Main.run(full);
        } finally {
            System.setErr(old);
            System.err.print(err.toString(StandardCharsets.UTF_8));
        }
    }
}
