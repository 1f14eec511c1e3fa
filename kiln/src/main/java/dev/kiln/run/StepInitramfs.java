package dev.kiln.run;

import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveOutputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The initramfs a build step boots with (an uncompressed newc cpio): kiln-init as /init and the
 * step config as /kiln/step.conf. kiln-init mounts the scratch disk and makes it the root, so
 * the image needs no kiln-init and no init.conf of its own, and nothing of the step's machinery
 * is left in it. See PROTOCOL.md, "Build steps".
 */
final class StepInitramfs {
    static final String CONFIG = "kiln/step.conf";

    private StepInitramfs() {
    }

    static byte[] build(byte[] kilnInit, byte[] stepConfig) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(kilnInit.length + stepConfig.length + 4096);
        try (CpioArchiveOutputStream cpio = new CpioArchiveOutputStream(bytes, CpioConstants.FORMAT_NEW,
                CpioConstants.BLOCK_SIZE, StandardCharsets.US_ASCII.name())) {
            Writer w = new Writer(cpio);
            w.add(".", CpioConstants.C_ISDIR | 0755, null);
            // the kernel opens /dev/console for init's stdin, stdout and stderr before /init runs
            w.add("dev", CpioConstants.C_ISDIR | 0755, null);
            CpioArchiveEntry console = w.entry("dev/console", CpioConstants.C_ISCHR | 0600);
            console.setRemoteDeviceMaj(5);
            console.setRemoteDeviceMin(1);
            w.put(console, null);
            w.add("init", CpioConstants.C_ISREG | 0755, kilnInit);
            w.add("kiln", CpioConstants.C_ISDIR | 0700, null);
            w.add(CONFIG, CpioConstants.C_ISREG | 0600, stepConfig);
            w.add("newroot", CpioConstants.C_ISDIR | 0755, null);
        }
        return bytes.toByteArray();
    }

    private static final class Writer {
        private final CpioArchiveOutputStream cpio;
        private long inode;

        Writer(CpioArchiveOutputStream cpio) {
            this.cpio = cpio;
        }

        CpioArchiveEntry entry(String name, int mode) {
            CpioArchiveEntry e = new CpioArchiveEntry(CpioConstants.FORMAT_NEW, name);
            e.setInode(++inode); // commons-compress would number inode 0 itself
            e.setMode(mode);
            e.setNumberOfLinks((mode & CpioConstants.S_IFMT) == CpioConstants.C_ISDIR ? 2 : 1);
            return e;
        }

        void add(String name, int mode, byte[] content) throws IOException {
            put(entry(name, mode), content);
        }

        void put(CpioArchiveEntry e, byte[] content) throws IOException {
            e.setSize(content == null ? 0 : content.length);
            cpio.putArchiveEntry(e);
            if (content != null) {
                cpio.write(content);
            }
            cpio.closeArchiveEntry();
        }
    }
}
