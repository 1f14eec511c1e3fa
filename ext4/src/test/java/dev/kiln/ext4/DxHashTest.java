package dev.kiln.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class DxHashTest {
    private static final Pattern HASH = Pattern.compile("^Hash of .* is 0x([0-9a-f]+) \\(minor 0x[0-9a-f]+\\)$", Pattern.DOTALL);

    @Test
    void knownValuesFromDebugfs() {
        // debugfs -R "dx_hash -h 4 hello" (4 = half_md4 with unsigned bytes), default seed
        assertThat(DxHash.hash("hello".getBytes(StandardCharsets.US_ASCII), new int[4]))
                .isEqualTo(0x1746da32);
        // debugfs -R "dx_hash -h 4 -s 12345678-9abc-def0-1234-56789abcdef0 hello"
        assertThat(DxHash.hash("hello".getBytes(StandardCharsets.US_ASCII),
                seedOf("12345678-9abc-def0-1234-56789abcdef0"))).isEqualTo(0x19fa2388);
        // non-ASCII bytes read unsigned: debugfs -R "dx_hash -h 4 h\xe9llo\xff"
        assertThat(DxHash.hash(new byte[]{'h', (byte) 0xe9, 'l', 'l', 'o', (byte) 0xff}, null))
                .isEqualTo(0xd8bfff52);
        // ... and sign-extended: debugfs -R "dx_hash -h 1 h\xe9llo\xff"
        assertThat(DxHash.hash(new byte[]{'h', (byte) 0xe9, 'l', 'l', 'o', (byte) 0xff}, null, true))
                .isEqualTo(0x67bb2376);
    }

    @Test
    void lowBitIsAlwaysClear() {
        Random random = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            byte[] name = new byte[1 + random.nextInt(40)];
            random.nextBytes(name);
            assertThat(DxHash.hash(name, null) & 1).isZero();
        }
    }

    /** Hundreds of names (all lengths 1..255, arbitrary bytes) and seeds, checked against debugfs in one run. */
    @Test
    void matchesDebugfsForManyNamesAndSeeds() throws Exception {
        Tools.assumeTool("debugfs");
        Random random = new Random(42);
        List<byte[]> names = new ArrayList<>();
        List<String> seeds = new ArrayList<>();
        for (int len = 1; len <= 255; len++) {
            names.add(randomName(random, len));
            seeds.add(len % 3 == 0 ? "00000000-0000-0000-0000-000000000000" : randomUuid(random));
        }
        for (int i = 0; i < 100; i++) {
            names.add(randomName(random, 1 + random.nextInt(255)));
            seeds.add(randomUuid(random));
        }
        for (boolean signed : new boolean[]{false, true}) {
            checkAgainstDebugfs(names, seeds, signed);
        }
    }

    private static void checkAgainstDebugfs(List<byte[]> names, List<String> seeds, boolean signed) throws Exception {
        byte[] script = buildScript(names, seeds, signed ? 1 : 4);
        Path file = Files.createTempFile("dxhash", ".cmds");
        try {
            Files.write(file, script);
            String out = Tools.ok("debugfs", "-f", file.toString());
            List<Integer> expected = new ArrayList<>();
            for (String line : out.split("\n")) {
                Matcher m = HASH.matcher(line);
                if (m.find()) {
                    expected.add((int) Long.parseLong(m.group(1), 16));
                }
            }
            assertThat(expected).hasSize(names.size());
            for (int i = 0; i < names.size(); i++) {
                assertThat(DxHash.hash(names.get(i), seedOf(seeds.get(i)), signed))
                        .as("name #%d (length %d) seed %s signed %s", i, names.get(i).length, seeds.get(i), signed)
                        .isEqualTo(expected.get(i));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static byte[] buildScript(List<byte[]> names, List<String> seeds, int version) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < names.size(); i++) {
            out.writeBytes(("dx_hash -h " + version + " -s " + seeds.get(i) + " ").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(names.get(i));
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Any byte but NUL and '/', minus what debugfs's command parser would split or unquote. */
    private static byte[] randomName(Random random, int len) {
        byte[] name = new byte[len];
        for (int i = 0; i < len; i++) {
            int b;
            do {
                b = random.nextInt(256);
            } while (b <= ' ' || b == '/' || b == '"' || b == '\'' || b == '\\' || b == 0x7f
                    || (i == 0 && b == '-')); // a leading '-' would be taken as an option
            name[i] = (byte) b;
        }
        return name;
    }

    private static String randomUuid(Random random) {
        return new java.util.UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** s_hash_seed's four little-endian words, from the UUID text debugfs takes. */
    static int[] seedOf(String uuid) {
        String hex = uuid.replace("-", "");
        int[] seed = new int[4];
        for (int w = 0; w < 4; w++) {
            for (int b = 3; b >= 0; b--) {
                seed[w] = (seed[w] << 8) | Integer.parseInt(hex.substring(w * 8 + b * 2, w * 8 + b * 2 + 2), 16);
            }
        }
        return seed;
    }
}
