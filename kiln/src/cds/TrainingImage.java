import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a small OCI image layout (one gzip layer with directories, files, a symlink and a hard
 * link) for the class-data-sharing training run in dump.sh. Run with the source launcher and the
 * shaded jar on the class path: java -cp kiln.jar TrainingImage.java DIR
 */
public final class TrainingImage {
    public static void main(String[] args) throws Exception {
        Path layout = Path.of(args[0]);
        Files.createDirectories(layout.resolve("blobs/sha256"));
        String layer = blob(layout, layerTar());
        String config = blob(layout, ("{\"architecture\":\"" + arch() + "\",\"os\":\"linux\","
                + "\"config\":{\"Cmd\":[\"/bin/sh\"],\"Env\":[\"PATH=/usr/bin:/bin\"],\"WorkingDir\":\"/\"},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8));
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
                + config + "\",\"size\":" + size(layout, config) + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
                + layer + "\",\"size\":" + size(layout, layer) + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(layout, manifest);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestDigest
                + "\",\"size\":" + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":"
                + "\"training\"}}]}");
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("x86_64") || a.equals("amd64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
    }

    private static byte[] layerTar() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String dir : new String[] {"bin/", "etc/", "usr/", "usr/share/", "usr/share/doc/"}) {
                TarArchiveEntry e = new TarArchiveEntry(dir);
                e.setMode(0755);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            for (int i = 0; i < 400; i++) {
                byte[] content = ("file " + i + "\n").repeat(i * 20 + 1).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry("usr/share/doc/file-" + i + ".txt");
                e.setMode(0644);
                e.setSize(content.length);
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
            TarArchiveEntry sh = new TarArchiveEntry("bin/sh");
            sh.setMode(0755);
            sh.setSize(4);
            tar.putArchiveEntry(sh);
            tar.write("#!\n\n".getBytes(StandardCharsets.UTF_8));
            tar.closeArchiveEntry();
            TarArchiveEntry link = new TarArchiveEntry("bin/ash", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("sh");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
            TarArchiveEntry hard = new TarArchiveEntry("bin/dash", TarArchiveEntry.LF_LINK);
            hard.setLinkName("bin/sh");
            tar.putArchiveEntry(hard);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static String blob(Path layout, byte[] content) throws Exception {
        String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        Files.write(layout.resolve("blobs/sha256/" + hex), content);
        return hex;
    }

    private static long size(Path layout, String hex) throws IOException {
        return Files.size(layout.resolve("blobs/sha256/" + hex));
    }
}
