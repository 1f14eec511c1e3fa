package dev.kiln.guest;

import dev.kiln.testing.Tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kiln-init binaries built into the jar, each as the command that runs it on this machine:
 * natively, or under qemu-user for the other architecture. A binary that is not built, or that
 * cannot run here, is left out with a note (the caller skips when none is left).
 */
final class KilnInitBinaries {
    private KilnInitBinaries() {
    }

    static List<List<String>> runners(Path dir) throws IOException {
        List<List<String>> runners = new ArrayList<>();
        String arch = System.getProperty("os.arch");
        boolean x86Host = List.of("amd64", "x86_64").contains(arch);
        add(runners, dir, "x86_64", x86Host ? null : "qemu-x86_64");
        add(runners, dir, "aarch64", arch.equals("aarch64") ? null : "qemu-aarch64");
        return runners;
    }

    private static void add(List<List<String>> runners, Path dir, String arch, String emulator) throws IOException {
        if (emulator != null && !Tools.available(emulator)) {
            System.out.println("[kiln-init] kiln-init-" + arch + " not checked: " + emulator + " is not installed");
            return;
        }
        Path exe = dir.resolve("kiln-init-" + arch);
        try (InputStream in = KilnInitBinaries.class.getResourceAsStream("/dev/kiln/guest/kiln-init-" + arch)) {
            if (in == null) {
                System.out.println("[kiln-init] kiln-init-" + arch + " not checked: not built");
                return;
            }
            Files.write(exe, in.readAllBytes());
        }
        exe.toFile().setExecutable(true);
        runners.add(emulator == null ? List.of(exe.toString()) : List.of(emulator, exe.toString()));
    }
}
