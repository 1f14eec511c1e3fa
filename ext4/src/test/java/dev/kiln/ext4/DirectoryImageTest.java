package dev.kiln.ext4;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden and end-to-end checks of {@link DirectoryEncoder} against the real tools: a linear
 * block must equal what mkfs.ext4 -d writes byte for byte; htrees are spliced into a
 * mkfs-made image (same inodes, our names and blocks) and must pass e2fsck -fn, and the
 * kernel must list and look up every name.
 */
class DirectoryImageTest {
    private static final String HASH_SEED = "6c1b7a37-5a0e-4a0d-9d4f-3c5e6f708192";

    @TempDir
    Path tmp;

    @BeforeAll
    static void tools() {
        Tools.assumeTools("mkfs.ext4", "debugfs", "e2fsck");
    }

    @Test
    void linearBlockIsByteIdenticalToMkfs() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/small"));
        for (String name : List.of("a", "bb", "ccc", "dddd", "a-much-longer-file-name.txt", "x".repeat(255))) {
            Files.writeString(src.resolve(name), name);
        }
        Files.createDirectory(src.resolve("sub"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("a"));
        RealImage image = RealImage.create(tmp.resolve("img"), tmp.resolve("src"), "32M");

        int dir = image.inode("small");
        List<DirEntry> children = new ArrayList<>();
        for (String line : image.debugfs("ls -p small").split("\n")) {
            String[] f = line.split("/", -1);
            if (f.length < 7 || f[5].equals(".") || f[5].equals("..")) {
                continue;
            }
            int mode = Integer.parseInt(f[2], 8);
            int type = switch (mode & 0170000) {
                case 0040000 -> 2;
                case 0120000 -> 7;
                default -> 1;
            };
            children.add(new DirEntry(f[5].getBytes(StandardCharsets.ISO_8859_1), Integer.parseInt(f[1]), type));
        }
        assertThat(children).hasSize(8);
        List<byte[]> ours = DirectoryEncoder.encode(dir, 2, image.generation("small"), children, RealImage.BLOCK,
                image.csumSeed(), image.hashSeed());
        List<Long> blocks = image.blocks("small");
        assertThat(ours).hasSize(1);
        assertThat(blocks).hasSize(1);
        assertThat(ours.get(0)).isEqualTo(image.readBlock(blocks.get(0)));
    }

    @Test
    void tenThousandOddNamesInAnHtree() throws Exception {
        Random random = new Random(7);
        List<byte[]> names = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (names.size() < 10_000) {
            byte[] n = oddName(random, names.size());
            if (seen.add(new String(n, StandardCharsets.ISO_8859_1))) {
                names.add(n);
            }
        }
        Spliced s = splice(names, "32M");
        assertThat(s.blocks).isGreaterThan(2);
        assertThat(s.image.debugfs("htree big")).contains("Indirect levels: 0");
        assertKernelSeesEveryName(s);
    }

    /** Superblocks flagged signed_directory_hash (mke2fs on x86) hash bytes >= 0x80 sign-extended. */
    @Test
    void signedHashVariantForSignedHashSuperblocks() throws Exception {
        Random random = new Random(9);
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            names.add(oddName(random, i));
        }
        Spliced s = splice(names, "32M", true);
        assertThat(s.blocks).isGreaterThan(2);
        assertKernelSeesEveryName(s);
    }

    @Test
    void twoLevelHtreeWhenOneRootCannotIndexAllLeaves() throws Exception {
        Random random = new Random(8);
        List<byte[]> names = new ArrayList<>();
        for (int i = 0; i < 8_200; i++) {
            byte[] n = new byte[240 + random.nextInt(16)];
            Arrays.fill(n, (byte) 'n');
            byte[] id = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(id, 0, n, 0, id.length);
            names.add(n);
        }
        Spliced s = splice(names, "64M");
        assertThat(s.blocks).isGreaterThan(DirectoryEncoder.rootLimit(RealImage.BLOCK) + 1);
        String htree = s.image.debugfs("htree big");
        assertThat(htree).contains("Indirect levels: 1");
        assertKernelSeesEveryName(s);
    }

    /** Two names with equal hashes straddle a leaf boundary; the kernel must find both. */
    @Test
    void hashCollisionAcrossLeavesIsFoundByTheKernel() throws Exception {
        int[] seed = DxHashTest.seedOf(HASH_SEED);
        // Fixed-length names (rec_len 20) make every full leaf hold exactly 204 entries.
        Map<Integer, byte[]> byHash = new HashMap<>();
        byte[] a = null;
        byte[] b = null;
        for (int i = 0; a == null; i++) {
            byte[] n = String.format("c%011d", i).getBytes(StandardCharsets.US_ASCII);
            byte[] prev = byHash.putIfAbsent(DxHash.hash(n, seed), n);
            if (prev != null && Integer.compareUnsigned(DxHash.hash(n, seed), 0x40000000) > 0) {
                a = Arrays.compareUnsigned(prev, n) < 0 ? prev : n;
                b = a == prev ? n : prev;
            }
        }
        int h = DxHash.hash(a, seed);
        int perLeaf = (RealImage.BLOCK - DirectoryEncoder.TAIL_SIZE) / DirectoryEncoder.recLen(12);
        List<byte[]> names = new ArrayList<>();
        for (byte[] n : byHash.values()) {
            if (names.size() < perLeaf - 1 && Integer.compareUnsigned(DxHash.hash(n, seed), h) < 0) {
                names.add(n);
            }
        }
        for (byte[] n : byHash.values()) {
            if (names.size() < perLeaf + 100 && Integer.compareUnsigned(DxHash.hash(n, seed), h) > 0) {
                names.add(n);
            }
        }
        names.add(a);
        names.add(b);
        Spliced s = splice(names, "32M");
        String htree = s.image.debugfs("htree big");
        assertThat(htree).contains(String.format("0x%08x", h | 1));
        assertKernelSeesEveryName(s);
    }

    /** A name of bytes ext4 must keep: non-UTF-8, newlines, backslashes, 255 bytes, any byte but '/' and NUL. */
    static byte[] oddName(Random random, int i) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Integer.toString(i).getBytes(StandardCharsets.US_ASCII));
        switch (i % 6) {
            case 0 -> out.writeBytes("-plain.txt".getBytes(StandardCharsets.US_ASCII));
            case 1 -> out.writeBytes("-grüße-日本".getBytes(StandardCharsets.UTF_8));
            case 2 -> out.writeBytes(new byte[]{'-', (byte) 0xff, (byte) 0xfe, (byte) 0x80, '\n', '\\', ' '});
            case 3 -> {
                while (out.size() < 255) {
                    out.write('L');
                }
            }
            case 4 -> {
                int len = 1 + random.nextInt(60);
                for (int k = 0; k < len; k++) {
                    int c;
                    do {
                        c = 1 + random.nextInt(255);
                    } while (c == '/');
                    out.write(c);
                }
            }
            default -> out.writeBytes(" spaces\ttab".getBytes(StandardCharsets.US_ASCII));
        }
        return Arrays.copyOf(out.toByteArray(), Math.min(out.size(), 255));
    }

    private record Spliced(RealImage image, List<DirEntry> entries, int blocks) {
    }

    /**
     * Builds an image whose directory "big" has one empty file per name (mkfs gives them short
     * names), then replaces the directory's blocks with our encoding of the same inodes under
     * the given names.
     */
    private Spliced splice(List<byte[]> names, String size) throws Exception {
        return splice(names, size, false);
    }

    private Spliced splice(List<byte[]> names, String size, boolean signedHash) throws Exception {
        Path big = Files.createDirectories(tmp.resolve("src/big"));
        for (int i = 0; i < names.size(); i++) {
            Files.createFile(big.resolve(Integer.toString(i)));
        }
        RealImage image = RealImage.create(tmp.resolve("img"), tmp.resolve("src"), size);
        image.debugfsWrite(List.of("ssv hash_seed " + HASH_SEED, "ssv flags " + (signedHash ? 1 : 2)));
        int dir = image.inode("big");
        List<String[]> kids = image.children("big");
        assertThat(kids).hasSize(names.size());
        List<DirEntry> entries = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            entries.add(new DirEntry(names.get(i), Integer.parseInt(kids.get(i)[0]), 1));
        }
        List<byte[]> ours = DirectoryEncoder.encode(dir, 2, image.generation("big"), entries, RealImage.BLOCK,
                image.csumSeed(), image.hashSeed(), signedHash);
        int have = image.blocks("big").size();
        assertThat(have).as("mkfs's linear directory must not be larger than our htree").isLessThanOrEqualTo(ours.size());
        List<String> grow = new ArrayList<>();
        for (int i = have; i < ours.size(); i++) {
            grow.add("expand_dir big");
        }
        grow.add("sif big flags 0x81000");
        image.debugfsWrite(grow);
        List<Long> blocks = image.blocks("big");
        assertThat(blocks).hasSize(ours.size());
        for (int i = 0; i < ours.size(); i++) {
            image.writeBlock(blocks.get(i), ours.get(i));
        }
        image.assertFsckClean();
        return new Spliced(image, entries, ours.size());
    }

    /** readdir (which walks the htree in hash order) lists every name; lookups find each inode. */
    private static void assertKernelSeesEveryName(Spliced s) throws Exception {
        Tools.assumeRoot();
        Tools.assumeTool("mount");
        s.image.mounted("ro", mnt -> {
            Path dir = mnt.resolve("big");
            Tools.Result listed = Tools.run(null, List.of("find", dir.toString(), "-mindepth", "1", "-maxdepth", "1",
                    "-printf", "%f\\0"));
            assertThat(listed.exit()).isZero();
            List<String> got = new ArrayList<>(splitNul(listed.stdout()));
            List<String> want = new ArrayList<>();
            ByteArrayOutputStream stdin = new ByteArrayOutputStream();
            for (DirEntry e : s.entries()) {
                want.add(new String(e.name(), StandardCharsets.ISO_8859_1));
                stdin.writeBytes(e.name());
                stdin.write(0);
            }
            got.sort(null);
            want.sort(null);
            assertThat(got).isEqualTo(want);
            // Lookups go through dx_probe: each name must resolve to its inode.
            Tools.Result stat = Tools.run(stdin.toByteArray(), List.of("sh", "-c",
                    "cd \"$1\" && xargs -0 stat -c %i --", "sh", dir.toString()));
            assertThat(stat.exit()).as(stat.stderr()).isZero();
            String[] inodes = stat.out().trim().split("\n");
            assertThat(inodes).hasSize(s.entries().size());
            for (int i = 0; i < inodes.length; i++) {
                assertThat(Integer.parseInt(inodes[i])).isEqualTo(s.entries().get(i).inode());
            }
        });
        s.image.assertFsckClean();
    }

    /** Splits NUL-terminated names (as `find -print0` writes them), keeping every byte. */
    static List<String> splitNul(byte[] data) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                out.add(new String(data, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return out;
    }
}
