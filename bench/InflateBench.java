import dev.kiln.inflate.Gunzip;

import java.io.FileInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Decodes a gzip file with Kiln's decoder (dev.kiln.inflate.Gunzip), the engine chosen by
 * -Dkiln.inflate (native or java), discarding the data; prints the engine, the bytes out and,
 * with --sha256, their digest (to check that both engines agree). Run by bench/inflate-bench.sh:
 * java -Dkiln.inflate=ENGINE -cp CLASSES:kiln/target/kiln.jar InflateBench FILE [--sha256]
 */
public final class InflateBench {
    public static void main(String[] args) throws Exception {
        boolean digest = args.length > 1 && args[1].equals("--sha256");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 20];
        long bytes = 0;
        try (InputStream in = Gunzip.open(new FileInputStream(args[0]))) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes += n;
                if (digest) {
                    sha.update(buffer, 0, n);
                }
            }
        }
        System.out.printf("%s: %d bytes%s%n", Gunzip.engine(), bytes,
                digest ? " sha256 " + HexFormat.of().formatHex(sha.digest()) : "");
    }
}
