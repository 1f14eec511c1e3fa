package dev.kiln.cli;

import dev.kiln.testing.Ext4Image;
import dev.kiln.testing.Tools;
import dev.kiln.testing.TreeListing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 2 end to end: a tree made by real tools (GNU tar, setcap, setfacl, mknod) goes through
 * `kiln build tar:` and comes back identical from a loop mount of the image.
 */
class BuildFromTarTest {
    /** Paths Kiln adds itself; excluded when comparing with the source. */
    static final String[] ADDED_BY_KILN = {"lost+found", "etc/kiln"};

    @TempDir
    static Path work;
    static Path tree;
    static Path tarFile;

    @BeforeAll
    static void makeSourceTree() {
        Tools.assumeRoot();
        Tools.assumeTools("tar", "e2fsck", "debugfs", "setcap", "setfacl", "python3", "gzip", "zstd");
        tree = work.resolve("tree");
        tarFile = work.resolve("rootfs.tar");
        String longDir = "d".repeat(200);
        Tools.sh("""
                set -e
                mkdir -p "@TREE@" && cd "@TREE@"
                mkdir -p etc usr/bin var/tmp dev home/user empty
                echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
                head -c 300000 /dev/urandom > usr/bin/big
                printf 'hello\\n' > usr/bin/hello
                : > empty-file
                chmod 4755 usr/bin/hello; chmod 1777 var/tmp; chmod 2750 home/user
                chown 100000:200000 home/user
                setcap cap_net_raw+ep usr/bin/big
                setfattr -n user.note -v 0x00ff10 etc/passwd
                setfacl -m u:1000:rwx,g:2000:r-x home/user
                ln usr/bin/hello usr/bin/hello-link
                ln usr/bin/hello hello-link-2
                ln -s "$(printf 'a%.0s' $(seq 59))" sym59
                ln -s "$(printf 'b%.0s' $(seq 60))" sym60
                ln -s "$(printf 'c%.0s' $(seq 4000))" sym4000
                ln -s ../usr/bin/hello etc/hello
                mknod dev/null-like c 1 3; mknod dev/minor300 c 240 300; mknod dev/blk b 8 1
                mkfifo dev/fifo
                touch -h -d '2100-01-01 00:00:00 UTC' sym59
                touch -d '1960-06-01 12:00:00 UTC' etc/passwd
                touch -d '2040-02-29 10:00:00.123456789 UTC' usr/bin/big
                printf x > "$(printf 'name-\\xff\\xfe-not-utf8')"
                printf y > "$(printf 'with\\nnewline')"
                printf z > 'back\\slash'
                printf w > "$(printf 'n%.0s' $(seq 255))"
                (for i in $(seq 22); do mkdir "@LONG@"; cd "@LONG@"; done; echo deep > file)
                dd if=/dev/zero of=holes bs=4096 seek=100 count=0 2>/dev/null
                printf data >> holes; dd if=/dev/zero bs=4096 count=50 >> holes 2>/dev/null; printf end >> holes
                tar --xattrs --xattrs-include='*' --acls --numeric-owner -C "@TREE@" -cf "@TAR@" .
                """.replace("@TREE@", tree.toString()).replace("@TAR@", tarFile.toString()).replace("@LONG@", longDir));
    }

    @AfterAll
    static void removeDeepTree() {
        if (tree != null) {
            Tools.check("rm", "-rf", tree.toString()); // deeper than PATH_MAX: JUnit cannot delete it
        }
    }

    @Test
    void imageHoldsExactlyWhatTheTarHolds() throws IOException {
        Path image = work.resolve("plain.ext4");
        assertThat(build("tar:" + tarFile, "-o", image.toString(), "--init", "none")).isZero();
        Ext4Image.assertClean(image);
        try (Ext4Image.Mount mount = Ext4Image.mount(image, false)) {
            TreeListing.assertSame(TreeListing.of(mount.dir(), ADDED_BY_KILN), TreeListing.of(tree));
            assertThat(Files.readString(mount.dir().resolve("etc/kiln/image.json"))).contains("\"entrypoint\"");
        }
        assertThat(Tools.check("getcap", tree.resolve("usr/bin/big").toString())).contains("cap_net_raw");
    }

    @Test
    void imageIsWritableLabelledAndJournalled() {
        Path image = work.resolve("features.ext4");
        assertThat(build("tar:" + tarFile, "-o", image.toString(), "--label", "my-root")).isZero();
        String header = Tools.check("dumpe2fs", "-h", image.toString());
        assertThat(header).contains("Filesystem volume name:   my-root")
                .contains("has_journal").contains("metadata_csum").contains("64bit")
                .contains("extent").contains("dir_index").contains("huge_file").contains("flex_bg")
                .contains("Block size:               4096")
                .containsPattern("Reserved GDT blocks:\\s+[1-9]")
                .containsPattern("Filesystem UUID:\\s+[0-9a-f-]{36}");
        try (Ext4Image.Mount mount = Ext4Image.mount(image, true)) {
            Tools.check("sh", "-c", "echo new > " + mount.dir().resolve("written-by-kernel"));
        }
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "cat /written-by-kernel")).isEqualTo("new\n");
    }

    @Test
    void sameInputGivesTheSameBytesWhateverTheCompression() throws Exception {
        Path gz = work.resolve("rootfs.tar.gz");
        Path zst = work.resolve("rootfs.tar.zst");
        Tools.sh("gzip -c " + tarFile + " > " + gz + " && zstd -q -c " + tarFile + " > " + zst);
        Path a = work.resolve("a.ext4");
        Path b = work.resolve("b.ext4");
        Path c = work.resolve("c.ext4");
        assertThat(build("tar:" + tarFile, "-o", a.toString())).isZero();
        assertThat(build("tar:" + gz, "-o", b.toString())).isZero();
        assertThat(build("tar:" + zst, "-o", c.toString())).isZero();
        assertThat(sha256(b)).isEqualTo(sha256(a));
        assertThat(sha256(c)).isEqualTo(sha256(a));
    }

    @Test
    void outputIsSparse() throws IOException {
        Path image = work.resolve("sparse.ext4");
        assertThat(build("tar:" + tarFile, "-o", image.toString(), "--size", "2G")).isZero();
        assertThat(Files.size(image)).isEqualTo(2L << 30);
        long allocatedKiB = Long.parseLong(Tools.check("du", "-k", image.toString()).split("\\s+")[0]);
        assertThat(allocatedKiB).isLessThan(200 * 1024);
        Ext4Image.assertClean(image);
    }

    @Test
    void dirSourceKeepsWhatTarKeeps() {
        Path image = work.resolve("dir.ext4");
        assertThat(build("dir:" + tree, "-o", image.toString(), "--init", "none")).isZero();
        Ext4Image.assertClean(image);
        try (Ext4Image.Mount mount = Ext4Image.mount(image, false)) {
            TreeListing.assertSame(TreeListing.of(mount.dir(), ADDED_BY_KILN), TreeListing.of(tree));
        }
    }

    @Test
    void tooSmallSizeFailsNamingTheNeedAndLeavesTheOldFileAlone() throws IOException {
        Path image = work.resolve("small.ext4");
        Files.writeString(image, "previous");
        Path bigTar = work.resolve("big.tar");
        Tools.sh("mkdir -p " + work.resolve("big") + " && head -c 6000000 /dev/urandom > " + work.resolve("big/blob")
                + " && tar -C " + work.resolve("big") + " -cf " + bigTar + " .");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = build(err, "tar:" + bigTar, "-o", image.toString(), "--size", "4M", "--no-journal");
        assertThat(exit).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).containsPattern("(?i)does not fit|too small")
                .containsPattern("\\d+(\\.\\d+)? ?(MiB|KiB|bytes)");
        assertThat(image).hasContent("previous");
        try (var files = Files.list(work)) {
            assertThat(files).noneMatch(p -> p.getFileName().toString().contains(".kiln-"));
        }
    }

    @Test
    void corruptGzipFailsWithOneLineAndNoOutput() {
        Path bad = work.resolve("bad.tar.gz");
        Tools.sh("gzip -c " + tarFile + " > " + bad + ".full && head -c 20000 " + bad + ".full > " + bad);
        Path image = work.resolve("bad.ext4");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(build(err, "tar:" + bad, "-o", image.toString())).isNotZero();
        String message = err.toString(StandardCharsets.UTF_8);
        assertThat(message).startsWith("kiln: ").contains(bad.getFileName().toString());
        assertThat(message.lines().count()).isEqualTo(1);
        assertThat(image).doesNotExist();
        assertNoTemporariesLeft();
    }

    @Test
    void standardInputIsASource() throws Exception {
        Path image = work.resolve("stdin.ext4");
        Path reference = work.resolve("reference.ext4");
        assertThat(build("tar:" + tarFile, "-o", reference.toString())).isZero();
        // tar:- reads file descriptor 0 itself, so this runs Kiln as its own process.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Tools.Result r = Tools.run(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "build", "tar:-", "-o", image.toString()), null, Files.readAllBytes(tarFile), 300);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(sha256(image)).isEqualTo(sha256(reference));
    }

    @Test
    void entriesThatEscapeTheRootAreRefused() {
        Path evil = work.resolve("evil.tar");
        Tools.sh("mkdir -p " + work.resolve("evil/a") + " && echo x > " + work.resolve("evil/a/f")
                + " && tar -C " + work.resolve("evil") + " --transform='s,^a/f$,a/../../escaped,' -cf " + evil + " a/f");
        Path image = work.resolve("evil.ext4");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(build(err, "tar:" + evil, "-o", image.toString())).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("escaped").contains("escapes");
        assertThat(image).doesNotExist();
        assertNoTemporariesLeft();
    }

    @Test
    void aHardLinkToNothingIsRefusedNamingBothPaths() {
        Path broken = work.resolve("broken-link.tar");
        Tools.sh("d=" + work.resolve("links") + "; mkdir -p $d && echo x > $d/target && ln $d/target $d/link"
                + " && tar -C $d -cf " + broken + " target link"
                + " && tar --delete -f " + broken + " target");
        Path image = work.resolve("broken-link.ext4");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(build(err, "tar:" + broken, "-o", image.toString())).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("link").contains("target");
        assertThat(image).doesNotExist();
        assertNoTemporariesLeft();
    }

    static void assertNoTemporariesLeft() {
        try (var files = Files.list(work)) {
            assertThat(files).noneMatch(p -> p.getFileName().toString().contains(".kiln-"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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

    static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
