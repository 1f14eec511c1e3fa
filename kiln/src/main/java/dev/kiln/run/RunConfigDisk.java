package dev.kiln.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The run config disk: what kiln-init applies over the image's init.conf for one boot (the
 * command, environment, user... and, with --net, the name servers). See PROTOCOL.md.
 */
public final class RunConfigDisk {
    private static final int SECTOR = 512;

    private RunConfigDisk() {
    }

    /** The disk's bytes: the records, then zeros (at least one) up to a whole number of sectors. */
    public static byte[] contents(GuestOverrides overrides, List<String> dns) {
        byte[] records = overrides.runConfig(dns);
        byte[] disk = new byte[(records.length / SECTOR + 1) * SECTOR];
        System.arraycopy(records, 0, disk, 0, records.length);
        return disk;
    }

    /**
     * Writes the disk for {@code spec} to a temporary file only this user can read (environment
     * values may be secrets, so they go neither on QEMU's command line nor on the guest
     * kernel's, which every user of the host or the guest can read), or returns null when the
     * boot changes nothing. The caller deletes it.
     */
    static Path create(VmSpec spec) throws IOException {
        if (spec.overrides().isEmpty() && !spec.net()) {
            return null;
        }
        Path file = Files.createTempFile("kiln-run-", ".conf",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        file.toFile().deleteOnExit(); // also when kiln run is interrupted mid-boot
        Files.write(file, contents(spec.overrides(), spec.net() ? List.of(Qemu.DNS) : List.of()));
        return file;
    }
}
