package dev.kiln.build;

import dev.kiln.entry.Entry;
import dev.kiln.entry.EntrySink;
import dev.kiln.ext4.Ext4Summary;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.WrittenOutput;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.Layer;
import dev.kiln.image.SourceEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress display on a fake clock: what a terminal sees, what a log sees, what -q leaves. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;
    private static final String LAYER = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final long MIB = 1 << 20;

    private final AtomicLong now = new AtomicLong(1000 * SECOND);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private Progress progress(boolean terminal, boolean quiet) {
        return new Progress(err, terminal, quiet, now::get);
    }

    private String printed() {
        String s = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return s;
    }

    @Test
    void aTerminalSeesDownloadsAndTheBuildRedrawnInPlace() {
        Progress p = progress(true, false);
        p.phase("resolving alpine:3.20");
        p.accept(new SourceEvent.DownloadStarted(LAYER, 10 * MIB, 0));
        now.addAndGet(SECOND);
        p.accept(new SourceEvent.Downloaded(LAYER, 5 * MIB));
        p.draw();
        assertThat(printed()).isEqualTo("sha256:0123456789ab: 5.0 MiB / 10.0 MiB, 5.0 MiB/s, ETA 1s\n"
                + "resolving alpine:3.20, 1s\n");

        now.addAndGet(SECOND);
        p.accept(new SourceEvent.DownloadRetried(LAYER, 4 * MIB, 2, "connection reset"));
        p.draw();
        // Up two lines, clear to the end of the screen, draw again.
        assertThat(printed()).startsWith("\033[2A\033[J").contains("4.0 MiB / 10.0 MiB")
                .contains("retrying (attempt 2): connection reset");

        p.accept(new SourceEvent.DownloadDone(LAYER, 10 * MIB));
        p.draw();
        assertThat(printed()).isEqualTo("\033[2A\033[J" + "resolving alpine:3.20, 2s\n");

        p.println("kiln: warning: something");
        assertThat(printed()).isEqualTo("\033[1A\033[J" + "kiln: warning: something\n");
        p.close();
        p.draw();
        assertThat(printed()).as("nothing is drawn after close").isEmpty();
    }

    @Test
    void theWritingLineHasEntriesBytesRateAndAnEtaFromTheLayersRead() throws Exception {
        // Two layers stored as 100 bytes each, 250 bytes each uncompressed.
        LayerMeter.Metered metered = LayerMeter.wrap(image(GZIP, 100, 100));
        Progress p = progress(true, false);
        p.writing(metered.meter());
        EntrySink sink = p.wrap(e -> { });
        sink.accept(Entry.file("a".getBytes(), 0644, 0, 0, 0, 1024, new ByteArrayInputStream(new byte[0])));
        sink.accept(Entry.directory("d".getBytes(), 0755, 0, 0, 0));
        try (InputStream first = metered.image().layers().get(0).open();
             InputStream second = metered.image().layers().get(1).open()) {
            second.readNBytes(1);
            assertThat(metered.meter().fraction()).as("no ratio known yet: no guess").isEqualTo(-1);
            first.readAllBytes();                 // done: its ratio (2.5) stands for the rest
            second.readNBytes(124);               // half of it: 50 of its 100 stored bytes
            now.addAndGet(3 * SECOND);
            assertThat(metered.meter().fraction()).isEqualTo(0.75);
            p.draw();
        }
        assertThat(printed()).isEqualTo("writing: 2 entries, 1.0 KiB, 341 B/s, layers 75%, ETA 1s\n");

        p.finishing();
        now.addAndGet(2 * SECOND);
        p.draw();
        assertThat(printed()).isEqualTo("\033[1A\033[J" + "finishing outputs, 2s\n");
    }

    @Test
    void anUncompressedLayerIsExactAndUnknownsGiveNoEta() throws Exception {
        LayerMeter.Metered plain = LayerMeter.wrap(image("application/vnd.oci.image.layer.v1.tar", 100));
        try (InputStream in = plain.image().layers().get(0).open()) {
            in.readNBytes(40);
            assertThat(plain.meter().fraction()).isEqualTo(0.4);
        }
        assertThat(LayerMeter.wrap(image(GZIP, 100, -1)).meter().fraction()).as("a size unknown").isEqualTo(-1);
        assertThat(LayerMeter.wrap(image(GZIP)).meter().fraction()).as("no layers").isEqualTo(-1);
        LayerMeter.Metered rootfs = LayerMeter.wrap(image("application/x-tar", 100));
        try (InputStream in = rootfs.image().layers().get(0).open()) {
            in.readNBytes(40);
            assertThat(rootfs.meter().fraction()).as("tar:, compressed or not").isEqualTo(-1);
            in.readAllBytes();
            assertThat(rootfs.meter().fraction()).as("read to the end").isEqualTo(1.0);
        }
    }

    @Test
    void theMeteredImageAndLayersForwardEveryMethodOfTheirInterfaces() throws Exception {
        // A default method left to the interface would quietly change what the source said
        // (ext4: layers are no tar streams); a method added to Image or Layer must be forwarded.
        LayerMeter.Metered metered = LayerMeter.wrap(image(GZIP, 100));
        for (var pair : List.of(java.util.Map.entry(Image.class, metered.image().getClass()),
                java.util.Map.entry(Layer.class, metered.image().layers().get(0).getClass()))) {
            for (java.lang.reflect.Method m : pair.getKey().getMethods()) {
                if (!java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                    assertThat(pair.getValue().getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass())
                            .as("%s.%s", pair.getKey().getSimpleName(), m.getName()).isNotEqualTo(pair.getKey());
                }
            }
        }
    }

    @Test
    void anUnchangedDrawIsNotRepeated() {
        Progress p = progress(true, false);
        p.phase("resolving x");
        p.draw();
        assertThat(printed()).isEqualTo("resolving x, 0s\n");
        p.draw();
        assertThat(printed()).isEmpty();
        now.addAndGet(SECOND);
        p.draw();
        assertThat(printed()).isEqualTo("\033[1A\033[J" + "resolving x, 1s\n");
    }

    @Test
    void aLongLineIsCutToTheTerminalsWidth() {
        Progress p = progress(true, false);
        p.phase("resolving " + "x".repeat(200));
        p.draw();
        String line = printed().strip();
        assertThat(line).hasSize(79).endsWith("...");
    }

    @Test
    void aLogSeesOnlyTheSummaryLines() {
        Progress p = progress(false, false);
        p.accept(new SourceEvent.DownloadStarted(LAYER, 4 * MIB, MIB));
        p.accept(new SourceEvent.Downloaded(LAYER, 3 * MIB));
        now.addAndGet(2 * SECOND);
        p.accept(new SourceEvent.DownloadDone(LAYER, 4 * MIB));
        p.accept(new SourceEvent.Cached("sha256:ffff", 2 * MIB));
        p.draw();
        assertThat(printed()).isEmpty();
        p.close();
        p.summary(p.downloadSummary());
        assertThat(printed()).isEqualTo(
                "kiln: downloaded 1 layer, 3.0 MiB in 2.0 s (1.5 MiB/s); 1 layer from the cache (2.0 MiB)\n");

        Progress cachedOnly = progress(false, false);
        cachedOnly.accept(new SourceEvent.Cached("sha256:aaaa", MIB));
        cachedOnly.accept(new SourceEvent.Cached("sha256:bbbb", MIB));
        assertThat(cachedOnly.downloadSummary()).containsExactly("kiln: 2 layers from the cache (2.0 MiB)");
        assertThat(progress(false, false).downloadSummary()).isEmpty();
    }

    @Test
    void theWroteLinesNameEachPublishedOutput() throws Exception {
        Progress p = progress(false, false);
        EntrySink sink = p.wrap(e -> { });
        for (int i = 0; i < 3; i++) {
            sink.accept(Entry.directory(("d" + i).getBytes(), 0755, 0, 0, 0));
        }
        List<WrittenOutput> outputs = List.of(
                new WrittenOutput(OutputFormat.EXT4, Path.of("r.ext4"), false, 64 * MIB, null, null),
                new WrittenOutput(OutputFormat.EXT4, Path.of("/tmp/.scratch"), true, 64 * MIB, null, null),
                new WrittenOutput(OutputFormat.TAR, Path.of("-"), false, 10, "sha256:x", Compression.NONE),
                new WrittenOutput(OutputFormat.QCOW2, Path.of("r.qcow2"), false, MIB, null, null));
        Ext4Summary summary = new Ext4Summary(64 * MIB, 16384, 8192, 1024, 1000, new byte[16], List.of());
        now.addAndGet(SECOND / 2);
        assertThat(p.wroteLines(outputs, summary)).containsExactly(
                String.format("kiln: wrote r.ext4: %s ext4, %s used, %,d entries, %.1f s", "64.0 MiB", "32.0 MiB", 3,
                        0.5),
                "kiln: wrote tar to standard output",
                "kiln: wrote r.qcow2 (qcow2)");
    }

    @Test
    void quietLeavesOnlyWarnings() {
        Progress p = progress(true, true);
        p.accept(new SourceEvent.DownloadStarted(LAYER, MIB, 0));
        p.draw();
        p.accept(new SourceEvent.DownloadDone(LAYER, MIB));
        p.summary(p.downloadSummary());
        assertThat(printed()).isEmpty();
        p.println("kiln: warning: kept");
        assertThat(printed()).isEqualTo("kiln: warning: kept\n");
    }

    private static final String GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";

    /** Layers stored as {@code sizes} bytes; read, a gzip layer gives 2.5 times that (250 for -1), others as much. */
    private static Image image(String mediaType, long... sizes) {
        List<Layer> layers = new java.util.ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            long size = sizes[i];
            String digest = "sha256:" + i;
            layers.add(new Layer() {
                @Override
                public String digest() {
                    return digest;
                }

                @Override
                public String mediaType() {
                    return mediaType;
                }

                @Override
                public long size() {
                    return size;
                }

                @Override
                public InputStream open() {
                    long read = size < 0 ? 250 : mediaType.equals(GZIP) ? size * 5 / 2 : size;
                    return new ByteArrayInputStream(new byte[(int) read]);
                }
            });
        }
        return new Image() {
            @Override
            public List<Layer> layers() {
                return layers;
            }

            @Override
            public ImageConfig config() {
                return null;
            }
        };
    }
}
