package dev.kiln.source;

import dev.kiln.KilnException;
import dev.kiln.image.Image;
import dev.kiln.image.Layer;
import dev.kiln.tar.Decompress;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code dir:PATH}: a directory tree, read by streaming it through the system's GNU tar. Java's
 * file APIs lose non-UTF-8 names and every xattr outside user.* (security.capability, ACLs);
 * GNU tar keeps them all, and the tar reader already handles everything it writes.
 */
final class DirSource {
    /**
     * posix format: nanosecond mtimes, long and non-UTF-8 names (hdrcharset=BINARY), xattrs incl.
     * POSIX ACLs as raw system.posix_acl_* values. atime/ctime records are dropped (unused);
     * --sort=name makes the entry order, and so the image, reproducible.
     */
    static List<String> tarCommand(Path dir) {
        return List.of("tar", "-C", dir.toString(), "--format=posix",
                "--pax-option=delete=atime,delete=ctime", "--xattrs", "--xattrs-include=*",
                "--numeric-owner", "--sort=name", "--sparse", "-cf", "-", ".");
    }

    private DirSource() {
    }

    static Image open(String spec) {
        return open(spec, DirSource::tarCommand);
    }

    /** Tests substitute the command to see how a failing tar is reported. */
    static Image open(String spec, Function<Path, List<String>> command) {
        String label = "dir:" + spec;
        if (spec.isEmpty()) {
            throw new KilnException(label + ": missing directory name");
        }
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new KilnException(label + (Files.exists(dir) ? ": not a directory" : ": no such directory"));
        }
        return new RootfsImage(new DirLayer(label, dir, command));
    }

    private record DirLayer(String digest, Path dir, Function<Path, List<String>> command) implements Layer.RootfsTar {

        @Override
        public InputStream open() throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command.apply(dir)).redirectInput(ProcessBuilder.Redirect.from(
                    Path.of("/dev/null").toFile()));
            pb.environment().put("LC_ALL", "C");
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new KilnException(digest + ": cannot run tar: " + e.getMessage(), e);
            }
            return Decompress.open(new TarProcessStream(digest, process), digest);
        }
    }

    /** tar's stdout; at its end, tar's exit status is checked and its stderr reported on failure. */
    private static final class TarProcessStream extends FilterInputStream {
        private static final int STDERR_LIMIT = 4096;
        private final String label;
        private final Process process;
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final Thread stderrReader;
        private boolean checked;

        TarProcessStream(String label, Process process) {
            super(process.getInputStream());
            this.label = label;
            this.process = process;
            this.stderrReader = new Thread(this::collectStderr, "kiln-tar-stderr");
            stderrReader.setDaemon(true);
            stderrReader.start();
        }

        private void collectStderr() {
            byte[] buf = new byte[4096];
            try (InputStream err = process.getErrorStream()) {
                int n;
                while ((n = err.read(buf)) >= 0) {
                    synchronized (stderr) {
                        if (stderr.size() < STDERR_LIMIT) {
                            stderr.write(buf, 0, Math.min(n, STDERR_LIMIT - stderr.size()));
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process is gone; what was read is reported
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) {
                checkExit();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                checkExit();
            }
            return n;
        }

        private void checkExit() throws IOException {
            if (checked) {
                return;
            }
            checked = true;
            int status;
            try {
                status = process.waitFor();
                stderrReader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException(label + ": interrupted while waiting for tar");
            }
            if (status != 0) {
                String err;
                synchronized (stderr) {
                    err = stderr.toString(StandardCharsets.UTF_8).strip().replace('\n', ';');
                }
                throw new KilnException(label + ": tar failed (exit " + status + ")" + (err.isEmpty() ? "" : ": " + err));
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
