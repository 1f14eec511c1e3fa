package dev.kiln.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * A kernel file's architecture, read from its header: the x86 boot protocol's "HdrS" at 0x202
 * (bzImage), an ELF header's e_machine (vmlinux), or the arm64 boot protocol's "ARM\x64" at
 * 0x38 (Image, also inside Image.gz, which QEMU unpacks).
 */
final class KernelFile {
    private static final int EM_X86_64 = 0x3E;
    private static final int EM_AARCH64 = 0xB7;
    private static final int HEADER = 0x240;

    /** @param format what the file is, as said in messages ("arm64 Image") */
    record Kind(Arch arch, String format) {
    }

    private KernelFile() {
    }

    /** The kernel's kind, or empty when the header is none of the known ones. */
    static Optional<Kind> identify(Path kernel) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(kernel)) {
            head = in.readNBytes(HEADER);
        }
        Optional<Kind> kind = identify(head);
        if (kind.isEmpty() && head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(kernel))) {
                return identify(in.readNBytes(HEADER)).filter(k -> k.arch() == Arch.AARCH64)
                        .map(k -> new Kind(k.arch(), "gzip-compressed " + k.format()));
            } catch (IOException e) {
                return Optional.empty(); // not gzip after all: unknown
            }
        }
        return kind;
    }

    static Optional<Kind> identify(byte[] h) {
        if (at(h, 0x202, "HdrS")) {
            return Optional.of(new Kind(Arch.X86_64, "x86 bzImage"));
        }
        if (at(h, 0, "\u007fELF") && h.length >= 20 && h[5] == 1) {
            int machine = (h[18] & 0xFF) | (h[19] & 0xFF) << 8;
            if (machine == EM_X86_64) {
                return Optional.of(new Kind(Arch.X86_64, "x86_64 ELF kernel"));
            }
            if (machine == EM_AARCH64) {
                return Optional.of(new Kind(Arch.AARCH64, "aarch64 ELF kernel"));
            }
            return Optional.empty();
        }
        if (at(h, 0x38, "ARM\u0064")) {
            return Optional.of(new Kind(Arch.AARCH64, "arm64 Image"));
        }
        return Optional.empty();
    }

    private static boolean at(byte[] h, int offset, String magic) {
        if (h.length < offset + magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (h[offset + i] != (byte) magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
