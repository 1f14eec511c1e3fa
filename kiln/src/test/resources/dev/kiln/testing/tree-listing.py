#!/usr/bin/env python3
"""Prints a canonical listing of a directory tree, one line per path, sorted by path bytes.

Independent of Kiln's own code on purpose: tests compare the listing of a mounted image with
the listing of the same tree extracted by real tools. Paths and values are raw bytes, printed
with non-printable bytes escaped, so non-UTF-8 names and binary xattrs compare exactly. Walks
with directory file descriptors, so paths longer than PATH_MAX work.

usage: tree-listing.py ROOT [--exclude REL]...
"""
import hashlib
import os
import stat
import sys

KINDS = {stat.S_IFREG: 'f', stat.S_IFDIR: 'd', stat.S_IFLNK: 'l', stat.S_IFCHR: 'c',
         stat.S_IFBLK: 'b', stat.S_IFIFO: 'p', stat.S_IFSOCK: 's'}


def esc(b):
    out = []
    for c in b:
        if 0x21 <= c <= 0x7e and c not in (0x5c, 0x7c, 0x3d, 0x3b):  # not \ | = ;
            out.append(chr(c))
        else:
            out.append('\\x%02x' % c)
    return ''.join(out)


def describe(rel, st, name, dir_fd):
    """Fields for one path; name is relative to dir_fd (None for the root itself)."""
    kind = KINDS[stat.S_IFMT(st.st_mode)]
    fields = ['/' + esc(rel), kind, '%04o' % stat.S_IMODE(st.st_mode) if kind != 'l' else '-',
              '%d:%d' % (st.st_uid, st.st_gid)]
    if kind == 'f':
        h = hashlib.sha256()
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
        try:
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                h.update(chunk)
        finally:
            os.close(fd)
        fields.append('size=%d' % st.st_size)
        fields.append('sha256=' + h.hexdigest())
    elif kind == 'l':
        fields.append('target=' + esc(os.readlink(name, dir_fd=dir_fd)))
    elif kind in 'cb':
        fields.append('dev=%d,%d' % (os.major(st.st_rdev), os.minor(st.st_rdev)))
    fields.append('mtime=%d' % (st.st_mtime_ns // 10**9))
    if kind != 'l':
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW, dir_fd=dir_fd)
        try:
            via = '/proc/self/fd/%d' % fd  # a magic link to the inode itself
            xs = ['%s=%s' % (n, os.getxattr(via, n).hex()) for n in sorted(os.listxattr(via))]
        finally:
            os.close(fd)
        if xs:
            fields.append('xattrs=' + ';'.join(xs))
    return fields


def main():
    args = sys.argv[1:]
    root = os.fsencode(args[0])
    excludes = set()
    i = 1
    while i < len(args):
        if args[i] == '--exclude':
            excludes.add(os.fsencode(args[i + 1].strip('/')))
            i += 2
        else:
            sys.exit('unknown argument ' + args[i])

    lines = {b'': describe(b'', os.lstat(root), root, None)}
    inode_of = {}
    for top, dirs, files, dir_fd in os.fwalk(root, follow_symlinks=False):
        rel_top = os.path.relpath(top, root)
        rel_top = b'' if rel_top == b'.' else rel_top
        dirs[:] = [d for d in dirs if os.path.join(rel_top, d) not in excludes]
        for name in dirs + files:
            rel = os.path.join(rel_top, name) if rel_top else name
            if rel in excludes:
                continue
            st = os.lstat(name, dir_fd=dir_fd)
            lines[rel] = describe(rel, st, name, dir_fd)
            if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
                inode_of[rel] = st.st_ino

    first_name = {}
    for rel in sorted(inode_of):
        first_name.setdefault(inode_of[rel], rel)
    out = sys.stdout.buffer
    for rel in sorted(lines):
        fields = lines[rel]
        if rel in inode_of:
            fields.append('link=/' + esc(first_name[inode_of[rel]]))
        out.write(('|'.join(fields) + '\n').encode('ascii'))


main()
