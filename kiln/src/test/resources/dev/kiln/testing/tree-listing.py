#!/usr/bin/env python3
"""Prints a canonical listing of a directory tree, one line per path, sorted by path bytes.

Independent of Kiln's own code on purpose: tests compare the listing of a mounted image with
the listing of the same tree extracted by real tools. Paths and values are raw bytes, printed
with non-printable bytes escaped, so non-UTF-8 names and binary xattrs compare exactly.

usage: tree-listing.py ROOT [--exclude REL]... [--no-mtime-for-dirs]
"""
import hashlib
import os
import stat
import sys


def esc(b):
    out = []
    for c in b:
        if 0x21 <= c <= 0x7e and c not in (0x5c, 0x7c, 0x3d, 0x3b):  # not \ | = ;
            out.append(chr(c))
        else:
            out.append('\\x%02x' % c)
    return ''.join(out)


def main():
    args = sys.argv[1:]
    root = os.fsencode(args[0])
    excludes = set()
    dir_mtimes = True
    i = 1
    while i < len(args):
        if args[i] == '--exclude':
            excludes.add(os.fsencode(args[i + 1].strip('/')))
            i += 2
        elif args[i] == '--no-mtime-for-dirs':
            dir_mtimes = False
            i += 1
        else:
            sys.exit('unknown argument ' + args[i])

    records = []
    inodes = {}
    for top, dirs, files in os.walk(root):
        rel_top = os.path.relpath(top, root)
        rel_top = b'' if rel_top == b'.' else rel_top
        kept = []
        for d in dirs:
            rel = os.path.join(rel_top, d) if rel_top else d
            if rel not in excludes:
                kept.append(d)
        dirs[:] = kept
        names = ([b''] if not rel_top else []) + dirs + files
        for name in names:
            rel = (os.path.join(rel_top, name) if rel_top else name) if name else b''
            if rel in excludes:
                continue
            full = os.path.join(root, rel) if rel else root
            st = os.lstat(full)
            records.append((rel, full, st))
            if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
                inodes.setdefault(st.st_ino, []).append(rel)

    first_name = {ino: min(paths) for ino, paths in inodes.items()}
    for rel, full, st in sorted(records):
        mode = st.st_mode
        kind = {stat.S_IFREG: 'f', stat.S_IFDIR: 'd', stat.S_IFLNK: 'l', stat.S_IFCHR: 'c',
                stat.S_IFBLK: 'b', stat.S_IFIFO: 'p', stat.S_IFSOCK: 's'}[stat.S_IFMT(mode)]
        fields = ['/' + esc(rel), kind, '%04o' % stat.S_IMODE(mode) if kind != 'l' else '-',
                  '%d:%d' % (st.st_uid, st.st_gid)]
        if kind == 'f':
            h = hashlib.sha256()
            with open(full, 'rb') as f:
                for chunk in iter(lambda: f.read(1 << 20), b''):
                    h.update(chunk)
            fields.append('size=%d' % st.st_size)
            fields.append('sha256=' + h.hexdigest())
        elif kind == 'l':
            fields.append('target=' + esc(os.readlink(full)))
        elif kind in 'cb':
            fields.append('dev=%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        if kind != 'd' or dir_mtimes:
            fields.append('mtime=%d' % (st.st_mtime_ns // 10**9))
        if kind != 'l':
            try:
                names = sorted(os.listxattr(full, follow_symlinks=False))
            except OSError:
                names = []
            xs = []
            for n in names:
                v = os.getxattr(full, n, follow_symlinks=False)
                xs.append(n + '=' + v.hex())
            if xs:
                fields.append('xattrs=' + ';'.join(xs))
        if kind != 'd' and st.st_nlink > 1:
            fields.append('link=/' + esc(first_name[st.st_ino]))
        sys.stdout.write('|'.join(fields) + '\n')


main()
