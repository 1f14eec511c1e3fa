#!/usr/bin/env python3
"""Writes a deterministic tar for the benchmarks: same arguments, same bytes.

usage: gen-tar.py OUT.tar FILES
         FILES regular files of 1-4 KiB of incompressible bytes, 1,000 to a directory and 100
         directories to a parent (./d000/d00000/f0000000 ...), root-owned, one fixed mtime
       gen-tar.py OUT.tar --copies N IN.tar
         N copies of IN.tar's entries in one archive, the k-th under ./cK/ (hard link targets
         renamed with them): one big tree from a real one, for the ~5 GiB scale run

A tar rather than a tree (bench/gen-tree.py) because the peers read tars directly, and because
writing 1,000,000 files to disk only to pack them again costs minutes. OUT is written to
OUT.tmp first and renamed, so a stopped run never leaves a truncated archive that looks done.
"""
import os
import random
import sys
import tarfile

MTIME = 1704067200  # 2024-01-01T00:00:00Z


def entry(name, kind, size=0, mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mode = mode
    info.mtime = MTIME
    info.uname = info.gname = "root"
    return info


def small_files(out, count):
    rng = random.Random(20261203)
    noise = rng.randbytes(64 << 20)  # incompressible source, sliced at random offsets
    per_dir, per_parent = 1000, 100
    out.addfile(entry("./", tarfile.DIRTYPE, mode=0o755))
    for i in range(count):
        d = i // per_dir
        if i % (per_dir * per_parent) == 0:
            out.addfile(entry("./d%03d/" % (d // per_parent), tarfile.DIRTYPE, mode=0o755))
        if i % per_dir == 0:
            out.addfile(entry("./d%03d/d%05d/" % (d // per_parent, d), tarfile.DIRTYPE, mode=0o755))
        size = rng.randint(1024, 4096)
        at = rng.randrange(len(noise) - size)
        info = entry("./d%03d/d%05d/f%07d" % (d // per_parent, d, i), tarfile.REGTYPE, size)
        out.addfile(info, _Slice(noise, at, size))


class _Slice:
    """A file-like view of part of a bytes object (tarfile reads the data through read())."""

    def __init__(self, data, at, size):
        self.view = memoryview(data)[at:at + size]

    def read(self, n=-1):
        chunk, self.view = (self.view, self.view[:0]) if n < 0 else (self.view[:n], self.view[n:])
        return bytes(chunk)


def copies(out, count, source):
    out.addfile(entry("./", tarfile.DIRTYPE, mode=0o755))
    for k in range(count):
        prefix = "./c%d/" % k
        with tarfile.open(source, "r:") as src:
            for info in src:
                name = info.name[2:] if info.name.startswith("./") else info.name
                if name in ("", "."):
                    info.name = prefix
                    info.type = tarfile.DIRTYPE
                    out.addfile(info)
                    continue
                info.name = prefix + name
                if info.islnk():
                    target = info.linkname[2:] if info.linkname.startswith("./") else info.linkname
                    info.linkname = prefix + target
                out.addfile(info, src.extractfile(info) if info.isreg() else None)


def main():
    target = sys.argv[1]
    tmp = target + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as out:
        if sys.argv[2] == "--copies":
            copies(out, int(sys.argv[3]), sys.argv[4])
        else:
            small_files(out, int(sys.argv[2]))
    os.replace(tmp, target)


if __name__ == "__main__":
    main()
