import dev.kiln.inflate.Gunzip;

import java.io.FileInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Decodes a gzip file with Kiln's decoder (dev.kiln.inflate.Gunzip), the engine chosen by
 * -Dkiln.inflate (native or java), discarding the data; prints the engine, the bytes out and,
 * with --sha256, their digest (to check that both engines agree); --read N reads N bytes at a
 * time (default 1 MiB; Kiln's tar path asks for 16 KiB). Run by bench/inflate-bench.sh:
 * java -Dkiln.inflate=ENGINE -cp CLASSES:kiln/target/kiln.jar InflateBench FILE [--sha256] [--read N]
 */
public final class InflateBench {
    public static void main(String[] args) throws Exception {
        boolean digest = false;
        int read = 1 << 20;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--sha256")) {
                digest = true;
            } else if (args[i].equals("--read")) {
                read = Integer.parseInt(args[++i]);
            }
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[read];
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
