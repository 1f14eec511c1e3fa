package dev.kiln.tar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testing.Tools;
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
        assumeTrue(Tools.available("umoci"), "umoci is not installed");
        assumeTrue(Tools.isRoot(), "umoci insert keeps owners only as root");
        Tools.bash(tmp, """
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

    @Test
    void dotDotInsideTheRootIsResolvedLexicallyAsUmociDoes() throws IOException {
        assumeTrue(Tools.available("umoci"), "umoci is not installed");
        assumeTrue(Tools.isRoot(), "umoci unpack keeps owners only as root");
        // GNU tar and bsdtar skip such members ("Member name contains '..'"); umoci, containerd
        // and Docker clean the name first, even across a symlink (a/l/../g is a/g, not ../g).
        byte[] layer = new RawTar()
                .raw(RawTar.header("a/", '5', 0, "", false))
                .raw(RawTar.header("a/b/", '5', 0, "", false))
                .file("a/b/../c", "through b")
                .file("./d/e/../../f", "no d made")
                .raw(RawTar.header("x/", '5', 0, "", false))
                .raw(RawTar.header("x/l", '2', 0, "../a", false))
                .file("x/l/../g", "beside l")
                .end().bytes();
        Files.write(tmp.resolve("layer.tar"), layer);
        Tools.bash(tmp, """
                umoci init --layout oci && umoci new --image oci:t && umoci raw add-layer --image oci:t layer.tar
                umoci unpack --image oci:t bundle >/dev/null
                """);
        Listing.Options o = new Listing.Options(false, false);
        Map<String, String> got;
        try (TarReader r = new TarReader(new java.io.ByteArrayInputStream(layer), "layer")) {
            got = Listing.read(r, o);
        }
        Map<String, String> want = new TreeMap<>(Listing.scan(tmp.resolve("bundle/rootfs"), o));
        want.remove("");
        assertThat(got.keySet()).containsExactly("a", "a/b", "a/c", "f", "x", "x/g", "x/l");
        assertThat(comparable(got)).containsExactlyEntriesOf(comparable(want));
    }

    /** Without times, and without symlink modes (the header says 644, Linux shows 777). */
    private static Map<String, String> comparable(Map<String, String> listing) {
        Map<String, String> out = new TreeMap<>();
        listing.forEach((k, v) -> out.put(k, v.replaceAll(" mtime=\\S+", "").replaceAll("^symlink \\d+", "symlink")));
        return out;
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
