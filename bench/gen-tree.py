#!/usr/bin/env python3
"""Writes a deterministic file tree for the benchmark: same arguments, same bytes.

usage: gen-tree.py DIR FILES [--small]
  default: mixed sizes (most files small, some medium, a few large; half compressible text,
           half incompressible bytes), ~13 KiB per file on average, plus symlinks and hard links
  --small: every file 0-1 KiB (the many-small-files case)
"""
import os
import random
import sys


def main():
    root, count = sys.argv[1], int(sys.argv[2])
    small_only = "--small" in sys.argv[3:]
    rng = random.Random(20261124)
    noise = rng.randbytes(64 << 20)  # incompressible source, sliced at random offsets
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
             for _ in range(2000)]
    text = b"\n".join(b" ".join(rng.choice(words) for _ in range(12)) for _ in range(200000))
    per_dir = 1000 if small_only else 100
    os.makedirs(root, exist_ok=False)
    written = 0
    for i in range(count):
        d = os.path.join(root, "d%03d" % (i // per_dir // 100), "d%05d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        if small_only:
            size = rng.randint(0, 1024)
        else:
            r = rng.random()
            if r < 0.92:
                size = rng.randint(0, 8 << 10)
            elif r < 0.9995:
                size = rng.randint(8 << 10, 96 << 10)
            else:
                size = rng.randint(2 << 20, 22 << 20)
        src = text if rng.random() < 0.5 else noise
        with open(os.path.join(d, "f%07d" % i), "wb") as f:
            left = size
            while left > 0:
                n = min(left, len(src) // 2)
                off = rng.randrange(0, len(src) - n)
                f.write(src[off:off + n])
                left -= n
        written += size
        if not small_only and i % 1000 == 999:
            os.symlink("f%07d" % i, os.path.join(d, "link%07d" % i))
            os.link(os.path.join(d, "f%07d" % i), os.path.join(d, "hard%07d" % i))
    print("%s: %d files, %d MB" % (root, count, written >> 20))


if __name__ == "__main__":
    main()
