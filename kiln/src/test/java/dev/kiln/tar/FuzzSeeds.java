package dev.kiln.tar;

import dev.kiln.testing.Tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Small valid archives that real tools wrote, holding every entry type and header form the
 * reader knows, as starting points for mutation: GNU tar (gnu, pax, v7; sparse files in the old
 * GNU form and PAX 0.0, 0.1 and 1.0; long names and link targets; xattrs) and Python's tarfile
 * (devices and FIFOs without root, a global header, PAX uid and xattr records, GNU long names).
 * Each comes plain, gzip-, zstd- and bzip2-compressed. Built once per test JVM.
 */
public final class FuzzSeeds {
    /** One seed: a name saying what made it, the plain tar, and its bytes as fed to the reader. */
    public record Seed(String name, byte[] tar, byte[] bytes) {
        public String compression() {
            return name.endsWith(".gz") ? "gzip" : name.endsWith(".zst") ? "zstd" : name.endsWith(".bz2") ? "bzip2" : "none";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Deterministic (fixed content and times), so that a jqwik seed replays the same inputs. */
    private static final String SCRIPT = """
            mkdir t && cd t
            mkdir -p dir/sub
            printf 'hello\\n' > dir/file
            : > empty
            seq 1000 | head -c 700 > dir/random
            ln dir/file dir/hardlink
            ln -s ../dir/file dir/symlink
            mkfifo fifo
            long=$(printf 'l%.0s' $(seq 120)); printf long > "dir/$long"
            ln -s "$(printf 't%.0s' $(seq 150))" longtarget
            setfattr -n user.kiln -v 0x00ff3d0a dir/file
            # five data segments: more than an old GNU 'S' header holds (an extension block follows)
            for i in 0 1 2 3 4; do printf "seg$i" | dd of=sparse bs=4096 seek=$((i * 3)) conv=notrunc 2>/dev/null; done
            truncate -s 90000 sparse
            find . -exec touch -h -d '2021-05-06 07:08:09.123456789' {} +
            cd ..
            T="tar -C t -b 1 --numeric-owner --sort=name --owner=0 --group=0"
            P="$T --format=pax --pax-option=delete=atime,delete=ctime --sparse"
            $T --format=gnu --sparse -cf gnu.tar .
            $P --sparse-version=1.0 --xattrs --xattrs-include='*' -cf pax10.tar .
            $P --sparse-version=0.1 -cf pax01.tar sparse dir/file
            $P --sparse-version=0.0 -cf pax00.tar sparse empty
            $T --format=v7 -cf v7.tar dir/file dir/hardlink dir/symlink empty
            python3 - <<'PY'
            import io, tarfile
            def add(tf, name, kind, data=b'', **kw):
                ti = tarfile.TarInfo(name)
                ti.type = kind
                ti.mtime = kw.pop('mtime', 1000000000)
                for k, v in kw.items():
                    setattr(ti, k, v)
                ti.size = len(data) if kind in (tarfile.REGTYPE,) else 0
                tf.addfile(ti, io.BytesIO(data) if ti.size else None)
            with tarfile.open('py-pax.tar', 'w', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'global'}) as tf:
                add(tf, 'dev', tarfile.DIRTYPE, mode=0o755)
                add(tf, 'dev/null', tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
                add(tf, 'dev/sda1', tarfile.BLKTYPE, devmajor=8, devminor=300, mode=0o660)
                add(tf, 'dev/fifo', tarfile.FIFOTYPE, mode=0o600)
                add(tf, 'f', tarfile.REGTYPE, b'content', uid=3000000, gid=4000000, mtime=-86400,
                    pax_headers={'SCHILY.xattr.user.a': 'v', 'mtime': '-86399.5'})
                add(tf, 'g', tarfile.LNKTYPE, linkname='f')
                add(tf, 'p' * 90 + '/' + 'q' * 90, tarfile.REGTYPE, b'prefix')
            with tarfile.open('py-gnu.tar', 'w', format=tarfile.GNU_FORMAT) as tf:
                add(tf, 'dev', tarfile.DIRTYPE, mode=0o755)
                add(tf, 'dev/tty', tarfile.CHRTYPE, devmajor=5, devminor=0)
                add(tf, 'n' * 150, tarfile.REGTYPE, b'long name')
                add(tf, 'lnk', tarfile.SYMTYPE, linkname='t' * 150)
                add(tf, 'hl', tarfile.LNKTYPE, linkname='n' * 150)
            PY
            python3 - <<'PY'
            # GNU tar names sparse members GNUSparseFile.PID/NAME: fix the PID for repeatable seeds.
            import glob, re
            for f in glob.glob('pax*.tar'):
                b = bytearray(open(f, 'rb').read())
                for m in re.finditer(rb'GNUSparseFile\\.([0-9]+)', bytes(b)):
                    b[m.start(1):m.end(1)] = b'0' * (m.end(1) - m.start(1))
                    h = m.start() // 512 * 512
                    b[h + 148:h + 156] = b' ' * 8
                    b[h + 148:h + 156] = b'%06o\\0 ' % sum(b[h:h + 512])
                open(f, 'wb').write(bytes(b))
            PY
            for f in *.tar; do gzip -n -c "$f" > "$f.gz"; zstd -q -c "$f" > "$f.zst"; bzip2 -c "$f" > "$f.bz2"; done
            """;

    private static List<Seed> seeds;

    private FuzzSeeds() {
    }

    /** Every seed; skips the calling test when a tool that makes them is missing. */
    public static synchronized List<Seed> all() {
        for (String tool : List.of("tar", "python3", "gzip", "zstd", "bzip2", "setfattr")) {
            assumeTrue(Tools.available(tool), tool + " is not installed (needed to make the fuzz seeds)");
        }
        if (seeds == null) {
            seeds = build();
        }
        return seeds;
    }

    /** The plain seeds only. */
    public static List<Seed> plain() {
        return all().stream().filter(s -> s.compression().equals("none")).toList();
    }

    private static List<Seed> build() {
        try {
            Path dir = Files.createTempDirectory("kiln-fuzz-seeds");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            Tools.bash(dir, SCRIPT);
            List<Seed> out = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                    String name = p.getFileName().toString();
                    byte[] tar = Files.readAllBytes(dir.resolve(name.replaceFirst("\\.(gz|zst|bz2)$", "")));
                    out.add(new Seed(name, tar, Files.readAllBytes(p)));
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it eventually
        }
    }
}
