package dev.kiln.tar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Layers written by Go's archive/tar, through umoci (insert writes no end-of-archive blocks). */
class TarReaderUmociTest {
    @TempDir
    Path tmp;

    @Test
    void umociInsertLayerIsReadWhole() throws IOException {
        assumeTrue(Sh.has("umoci"), "umoci is not installed");
        assumeTrue(Sh.isRoot(), "umoci insert keeps owners only as root");
        Sh.run(tmp, """
                mkdir -p ins/sub && printf hello > ins/sub/f && ln -s sub/f ins/l && mkfifo ins/fifo
                head -c 4321 /dev/urandom > ins/last && ln ins/last ins/sub/again
                chown 1234:5678 ins/sub/f && chmod 4751 ins/sub/f
                touch -d '2021-05-06 07:08:09.987654321' ins/sub/f
                umoci init --layout oci && umoci new --image oci:t && umoci insert --image oci:t ins /opt/ins
                """);
        Path layer = layerBlob(tmp.resolve("oci"));
        // What makes these layers special: the tar stops right after the last entry's data.
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(layer))) {
            raw = in.readAllBytes();
        }
        assertThat(raw.length % 512).as("no padding after the last entry").isNotZero();

        Listing.Options o = new Listing.Options(true, false);
        Map<String, String> got;
        try (TarReader r = new TarReader(Decompress.open(Files.newInputStream(layer), "sha256:layer"), "sha256:layer")) {
            got = Listing.read(r, o);
        }
        Map<String, String> want = new TreeMap<>();
        Listing.scan(tmp.resolve("ins"), o).forEach((k, v) -> want.put(k.isEmpty() ? "opt/ins" : "opt/ins/" + k, v));
        got.remove("opt"); // umoci adds the parent with its own metadata
        // Go's ustar writer rounds mtimes to whole seconds: compare those separately.
        assertThat(got.get("opt/ins/sub/f")).contains("mtime=1620284890.000000000");
        Map<String, String> gotNoTime = new TreeMap<>();
        got.forEach((k, v) -> gotNoTime.put(k, v.replaceAll(" mtime=\\S+", "")));
        Map<String, String> wantNoTime = new TreeMap<>();
        want.forEach((k, v) -> wantNoTime.put(k, v.replaceAll(" mtime=\\S+", "")));
        assertThat(gotNoTime).containsExactlyEntriesOf(wantNoTime);
    }

    static Path layerBlob(Path layout) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode index = json.readTree(layout.resolve("index.json").toFile());
        Path manifest = blob(layout, index.get("manifests").get(0).get("digest").asText());
        JsonNode layers = json.readTree(manifest.toFile()).get("layers");
        return blob(layout, layers.get(layers.size() - 1).get("digest").asText());
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }
}
