package dev.kiln.ext4;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ext4 image made by the real mkfs.ext4 (4 KiB blocks, metadata_csum), into which tests
 * splice structures our encoders produced, then check with e2fsck, debugfs and a loop mount.
 */
final class RealImage {
    static final int BLOCK = 4096;
    final Path file;

    private RealImage(Path file) {
        this.file = file;
    }

    static RealImage open(Path file) {
        return new RealImage(file);
    }

    /** mkfs.ext4 -d source; 256-byte inodes and the features the Kiln writer uses. */
    static RealImage create(Path file, Path source, String size) throws Exception {
        return create(file, source, size, 16384);
    }

    static RealImage create(Path file, Path source, String size, int inodes) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mkfs.ext4", "-q", "-F", "-b", "4096", "-I", "256",
                "-N", Integer.toString(inodes),
                "-O", "metadata_csum,dir_index,extent,64bit,flex_bg,^metadata_csum_seed", "-E", "lazy_itable_init=0",
                "-T", "default"));
        if (source != null) {
            cmd.add("-d");
            cmd.add(source.toString());
        }
        cmd.add(file.toString());
        cmd.add(size);
        Tools.ok(cmd.toArray(String[]::new));
        return new RealImage(file);
    }

    String debugfs(String command) throws Exception {
        return Tools.ok("debugfs", "-R", command, file.toString());
    }

    void debugfsWrite(List<String> commands) throws Exception {
        Path script = Files.createTempFile("debugfs", ".cmds");
        try {
            Files.write(script, commands);
            Tools.ok("debugfs", "-w", "-f", script.toString(), file.toString());
        } finally {
            Files.deleteIfExists(script);
        }
    }

    Map<String, String> superblock() throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : Tools.ok("dumpe2fs", "-h", file.toString()).split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    /** crc32c(~0, s_uuid): the seed every metadata checksum starts from. */
    int csumSeed() throws Exception {
        return Crc32c.update(~0, uuidBytes(superblock().get("Filesystem UUID")));
    }

    int[] hashSeed() throws Exception {
        return DxHashTest.seedOf(superblock().get("Directory Hash Seed"));
    }

    static byte[] uuidBytes(String uuid) {
        String hex = uuid.replace("-", "");
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** Inode number of a path (debugfs syntax, relative to root). */
    int inode(String path) throws Exception {
        String out = debugfs("stat " + path);
        int i = out.indexOf("Inode: ");
        assertThat(i).as("debugfs stat %s: %s", path, out).isGreaterThanOrEqualTo(0);
        return Integer.parseInt(out.substring(i + 7).split("\\s+")[0]);
    }

    int generation(String path) throws Exception {
        String out = debugfs("stat " + path);
        int i = out.indexOf("Generation: ");
        return (int) Long.parseLong(out.substring(i + 12).split("\\s+")[0]);
    }

    List<Long> blocks(String path) throws Exception {
        List<Long> blocks = new ArrayList<>();
        for (String s : debugfs("blocks " + path).trim().split("\\s+")) {
            if (!s.isEmpty()) {
                blocks.add(Long.parseLong(s));
            }
        }
        return blocks;
    }

    /** (inode, name) of each child, from "ls -p", without "." and "..". */
    List<String[]> children(String path) throws Exception {
        List<String[]> out = new ArrayList<>();
        for (String line : debugfs("ls -p " + path).split("\n")) {
            String[] f = line.split("/", -1);
            if (f.length >= 7 && !f[5].equals(".") && !f[5].equals("..")) {
                out.add(new String[]{f[1], f[5]});
            }
        }
        return out;
    }

    void writeBlock(long block, byte[] data) throws IOException {
        assertThat(data).hasSize(BLOCK);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(block * BLOCK);
            raf.write(data);
        }
    }

    byte[] readBlock(long block) throws IOException {
        byte[] data = new byte[BLOCK];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(block * BLOCK);
            raf.readFully(data);
        }
        return data;
    }

    byte[] read(long offset, int length) throws IOException {
        byte[] data = new byte[length];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            raf.readFully(data);
        }
        return data;
    }

    void write(long offset, byte[] data) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(data);
        }
    }

    /** e2fsck -fn must exit 0 and report nothing beyond its pass headers and summary. */
    void assertFsckClean() throws Exception {
        Tools.Result r = Tools.run("e2fsck", "-fn", file.toString());
        assertThat(r.exit()).as("e2fsck -fn:\n%s%s", r.out(), r.stderr()).isZero();
    }

    /** Loop-mounts the image at a fresh directory, runs {@code body}, always unmounts. */
    void mounted(String options, MountBody body) throws Exception {
        Path mnt = Files.createTempDirectory("kiln-mnt");
        try {
            Tools.ok("mount", "-o", "loop," + options, file.toString(), mnt.toString());
            try {
                body.run(mnt);
            } finally {
                Tools.ok("umount", mnt.toString());
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
    }

    interface MountBody {
        void run(Path mountPoint) throws Exception;
    }
}
