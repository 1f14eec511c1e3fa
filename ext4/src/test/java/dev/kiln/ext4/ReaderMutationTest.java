package dev.kiln.ext4;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.ext4.ImageCheck.attrs;
import static dev.kiln.ext4.ImageCheck.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Real images with random bytes changed, inside blocks that hold something (metadata or data).
 * Whatever the damage, a read ends either with a tree or with an {@link Ext4Exception} naming
 * the image, in bounded time; never another exception, a hang or an exhausted heap. With
 * metadata_csum and checksums verified, a damaged image gives either the same tree (the change
 * hit data, or bytes nobody reads) or an error: no wrong tree.
 */
class ReaderMutationTest {
    private static Path dir;
    /** Kiln's image: metadata_csum, an htree, an extent tree block, an xattr block, hard links, devices. */
    private static Path kiln;
    private static List<Long> kilnBlocks;
    private static List<String> kilnTree;
    /** mkfs.ext4 images without checksums: ext2-style block maps with 1 KiB blocks; extents with inline data. */
    private static Path blockMapped;
    private static List<Long> blockMappedBlocks;
    private static Path inline;
    private static List<Long> inlineBlocks;

    record Mutation(int blockIndex, int offset, byte value) {
    }

    @BeforeContainer
    static void images() throws Exception {
        dir = Files.createTempDirectory("kiln-mutate");
        kiln = dir.resolve("kiln.img");
        List<ImageCheck.Item> items = new ArrayList<>();
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        xattrs.put("user.big", new byte[600]);
        xattrs.put("system.posix_acl_access", ReaderRoundTripTest.acl(PosixAcl.USER_OBJ, 6, -1, PosixAcl.USER, 4, 7,
                PosixAcl.GROUP_OBJ, 4, -1, PosixAcl.MASK, 4, -1, PosixAcl.OTHER, 0, -1));
        items.add(ImageCheck.file("etc/passwd", new Attributes(0644, 0, 0, 5, 6, xattrs), b("root:x:0:0\n")));
        items.add(ImageCheck.file("striped", attrs(0644), ReaderRoundTripTest.striped()));
        items.add(ImageCheck.hardLink("etc/link", "etc/passwd"));
        items.add(ImageCheck.symlink("bin", "usr/bin"));
        items.add(ImageCheck.special("dev/null", SpecialType.CHARACTER_DEVICE, 1, 3));
        items.add(ImageCheck.special("dev/big", SpecialType.BLOCK_DEVICE, 300, 70000));
        for (int i = 0; i < 300; i++) {
            items.add(ImageCheck.file("many/entry-" + i, attrs(0600), b("#" + i)));
        }
        ImageCheck.build(kiln, ImageCheck.options().withHeadroom(0, 0), items);
        kilnBlocks = nonZeroBlocks(kiln, 4096);
        kilnTree = structure(kiln, true);

        if (ImageCheck.have("mkfs.ext4")) {
            Path src = dir.resolve("src");
            Files.createDirectories(src.resolve("d/e"));
            Files.write(src.resolve("small"), b("tiny"));
            Files.write(src.resolve("d/e/medium"), new byte[30_000]);
            byte[] data = new byte[300_000];
            Arrays.fill(data, (byte) 'x');
            Files.write(src.resolve("d/large"), data);
            for (int i = 0; i < 100; i++) {
                Files.write(src.resolve("d/f" + i), b("file " + i));
            }
            Files.createSymbolicLink(src.resolve("link"), Path.of("d/e/medium"));
            Files.createLink(src.resolve("hard"), src.resolve("small"));
            blockMapped = mkfs(src, "blockmap.img", "-t", "ext2", "-b", "1024", "-I", "128");
            blockMappedBlocks = nonZeroBlocks(blockMapped, 1024);
            inline = mkfs(src, "inline.img", "-t", "ext4", "-O", "^metadata_csum,inline_data", "-b", "4096");
            inlineBlocks = nonZeroBlocks(inline, 4096);
            assertThat(structure(blockMapped, true)).hasSize(1 + 2 + 100 + 5).anyMatch(l -> l.startsWith("HARDLINK"));
            assertThat(structure(inline, true)).hasSize(1 + 2 + 100 + 5);
        }
    }

    private static Path mkfs(Path src, String name, String... options) {
        Path image = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,root_owner=0:0"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-d", src.toString(), image.toString(), "4M"));
        ImageCheck.Result r = ImageCheck.run(cmd.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.output()).isZero();
        return image;
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Blocks holding anything, metadata ten times over: zero blocks (free, or holes) are left
     * alone, and file data (which no reader can check) would otherwise take most mutations.
     */
    private static List<Long> nonZeroBlocks(Path image, int blockSize) throws IOException {
        java.util.Set<Long> data = new java.util.HashSet<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "clean.img").entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                ExtentMap map = e.content() == null ? null : e.content().extents();
                for (int i = 0; map != null && i < map.count(); i++) {
                    for (int j = 0; j < map.length(i); j++) {
                        data.add(map.physical(i) + j);
                    }
                }
            }
        }
        List<Long> out = new ArrayList<>();
        byte[] zero = new byte[blockSize];
        try (InputStream in = Files.newInputStream(image)) {
            byte[] block = new byte[blockSize];
            for (long n = 0; in.readNBytes(block, 0, blockSize) == blockSize; n++) {
                if (!Arrays.equals(block, zero)) {
                    for (int copies = data.contains(n) ? 1 : 10; copies > 0; copies--) {
                        out.add(n);
                    }
                }
            }
        }
        return out;
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE),
                Arbitraries.integers().between(0, 4095), Arbitraries.bytes()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    /**
     * The tree without file contents (data is not checksummed by ext4, so changes to it go
     * unnoticed by design); every region is read, so the walk over extents is exercised.
     */
    private static List<String> structure(Path image, boolean verify) throws IOException {
        List<String> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Ext4Reader.EntryStream entries = Ext4Reader.open(ch, "mutated.img", verify).entries();
            for (Ext4Entry e = entries.next(); e != null; e = entries.next()) {
                String line = ReadBack.describe(withoutContent(e));
                if (e.content() != null) {
                    long bytes = 0;
                    for (DataRegion r : e.content().regions()) {
                        assertThat(r.offset() + r.length()).isLessThanOrEqualTo(e.size());
                        bytes += r.length();
                    }
                    try (InputStream in = e.content().openRegions()) {
                        assertThat(in.transferTo(java.io.OutputStream.nullOutputStream())).isEqualTo(bytes);
                    }
                    line += " size=" + e.size();
                }
                out.add(line);
            }
        }
        return out;
    }

    private static Ext4Entry withoutContent(Ext4Entry e) {
        return e.type() != Ext4Entry.Type.FILE ? e : new Ext4Entry(e.path(), e.type(), e.permissions(), e.uid(), e.gid(),
                e.mtimeSeconds(), e.mtimeNanos(), e.xattrs(), e.linkTarget(), e.devMajor(), e.devMinor(), 0, e.inode(),
                FileContent.inline(new byte[0]));
    }

    /** Applies the mutations, runs {@code check}, and puts the original bytes back. */
    private static void mutated(Path image, List<Long> blocks, int blockSize, List<Mutation> mutations, Check check)
            throws Exception {
        List<long[]> undo = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (Mutation m : mutations) {
                long at = blocks.get(m.blockIndex() % blocks.size()) * blockSize + m.offset() % blockSize;
                ByteBuffer old = ByteBuffer.allocate(1);
                ch.read(old, at);
                undo.add(new long[] {at, old.get(0)});
                ch.write(ByteBuffer.wrap(new byte[] {m.value()}), at);
            }
            try {
                check.run();
            } finally {
                for (int i = undo.size() - 1; i >= 0; i--) {
                    ch.write(ByteBuffer.wrap(new byte[] {(byte) undo.get(i)[1]}), undo.get(i)[0]);
                }
            }
        }
    }

    interface Check {
        void run() throws Exception;
    }

    /** A read's outcome: the tree, or the message of the Ext4Exception that ended it. */
    record Outcome(List<String> tree, String error) {
    }

    /** Reads everything; the only acceptable failure is an Ext4Exception naming the image. */
    private static Outcome read(Path image, boolean verify) {
        Outcome outcome = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try {
                return new Outcome(structure(image, verify), null);
            } catch (Ext4Exception e) {
                return new Outcome(null, e.getMessage());
            }
        });
        if (outcome.error() != null) {
            assertThat(outcome.error()).startsWith("mutated.img: ").doesNotContain("Exception").hasLineCount(1);
        }
        if (Boolean.getBoolean("kiln.mutationStats")) { // -Dkiln.mutationStats=true: what kinds of damage were met
            Statistics.collect(outcome.error() == null ? "read" : outcome.error().replaceAll("0x[0-9a-f]+", "0xH").replaceAll("[0-9]+", "N")
                    .replaceAll(": /[^:]*", ": /P").replaceAll("^mutated.img: ", ""));
        }
        return outcome;
    }

    @Property(tries = 400)
    void withChecksumsADamagedImageGivesTheSameTreeOrAnError(@ForAll("mutations") List<Mutation> mutations)
            throws Exception {
        mutated(kiln, kilnBlocks, 4096, mutations, () -> {
            List<String> tree = read(kiln, true).tree();
            if (tree != null) {
                assertThat(tree).containsExactlyElementsOf(kilnTree);
            }
        });
    }

    @Property(tries = 400)
    void withoutChecksumsADamagedImageGivesATreeOrAnError(@ForAll("mutations") List<Mutation> mutations)
            throws Exception {
        mutated(kiln, kilnBlocks, 4096, mutations, () -> read(kiln, false));
    }

    @Property(tries = 400)
    void aDamagedBlockMappedImageGivesATreeOrAnError(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        if (blockMapped == null) {
            return; // mkfs.ext4 is not installed
        }
        mutated(blockMapped, blockMappedBlocks, 1024, mutations, () -> read(blockMapped, true));
    }

    @Property(tries = 400)
    void aDamagedInlineDataImageGivesATreeOrAnError(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        if (inline == null) {
            return;
        }
        mutated(inline, inlineBlocks, 4096, mutations, () -> read(inline, true));
    }
}
