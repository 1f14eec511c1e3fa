#!/usr/bin/env bash
# Kiln's benchmark (issue 2): the same generated tree built into ext4 by
#   Kiln, from a tar:              bin/kiln build tar:tree.tar -o a.ext4
#   mkfs.ext4, from the directory: mkfs.ext4 -N INODES -d tree/ b.ext4  (same size and inode
#                                  count as Kiln's image, on a pre-created sparse file)
# in one run, printing wall time, CPU time (user+sys) and peak RSS of each (the median of
# BENCH_RUNS runs, default 3) and their ratio.
# Then: Kiln from tree.tar.gz next to the
# `gzip -dc` floor; and 1,000,000 small files built with a 1 GiB heap (-Xmx1g).
#
# usage: bench/run.sh [all|main|gzip|small]    (default all)
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-bench; trees are generated
#        once and reused),
#        BENCH_FILES (default 60000), BENCH_SMALL_FILES (default 1000000)
# Needs: python3, GNU tar, gzip, mkfs.ext4, e2fsck, /usr/bin/time (package "time").
# Not part of the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
work=${KILN_BENCH_DIR:-/tmp/kiln-bench}
files=${BENCH_FILES:-60000}
small_files=${BENCH_SMALL_FILES:-1000000}
kiln="$here/bin/kiln"
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)

. "$here/bench/lib.sh"
header() {
    printf '\n%s\n%-46s %10s %10s %11s\n' "$1" "" "wall" "cpu(u+s)" "peak RSS"
}
# Kiln's inode count, so mkfs.ext4 builds the same geometry (its default ratio may hold too few).
inodes() { dumpe2fs -h "$1" 2>/dev/null | awk -F': *' '/^Inode count/ { print $2 }'; }
fsck() { if e2fsck -fn "$1" > "$work/fsck.txt" 2>&1; then echo "e2fsck -fn $(basename "$1"): clean"; else
    echo "e2fsck -fn $(basename "$1"): PROBLEMS"; tail -5 "$work/fsck.txt"; fi; }

tree() {
    if [ ! -d "$work/tree" ]; then python3 "$here/bench/gen-tree.py" "$work/tree" "$files"; fi
    if [ ! -f "$work/tree.tar" ]; then tar -C "$work/tree" --numeric-owner -cf "$work/tree.tar" .; fi
    echo "tree: $(find "$work/tree" -type f | wc -l) files, $(du -sm --apparent-size "$work/tree" | cut -f1) MiB;" \
        "tree.tar $(( $(stat -c %s "$work/tree.tar") >> 20 )) MiB"
}

main() {
    tree
    header "Kiln from a tar vs mkfs.ext4 -d from the directory"
    rm -f "$work/a.ext4" "$work/b.ext4"
    measure "kiln build tar:tree.tar" "$kiln" build "tar:$work/tree.tar" -o "$work/a.ext4" --init=none -q
    local kw=$WALL kc=$CPU kr=$RSS_MB
    truncate -s "$(stat -c %s "$work/a.ext4")" "$work/b.ext4"
    measure "mkfs.ext4 -d tree/ (same size)" mkfs.ext4 -q -F -N "$(inodes "$work/a.ext4")" -d "$work/tree" "$work/b.ext4"
    echo "ratio kiln/mkfs: wall $(ratio "$kw" "$WALL"), cpu $(ratio "$kc" "$CPU"), peak RSS $(ratio "$kr" "$RSS_MB")" \
        "(image $(( $(stat -c %s "$work/a.ext4") >> 20 )) MiB)"
    fsck "$work/a.ext4"; fsck "$work/b.ext4"
    rm -f "$work/a.ext4" "$work/b.ext4"
}

gzip_part() {
    tree
    [ -f "$work/tree.tar.gz" ] || gzip -c "$work/tree.tar" > "$work/tree.tar.gz"
    header "Kiln from tree.tar.gz next to the decompression floor"
    measure "gzip -dc tree.tar.gz > /dev/null (floor)" sh -c "gzip -dc '$work/tree.tar.gz' > /dev/null"
    rm -f "$work/g.ext4"
    local fw=$WALL
    measure "kiln build tar:tree.tar.gz" "$kiln" build "tar:$work/tree.tar.gz" -o "$work/g.ext4" --init=none -q
    echo "kiln/floor wall: $(ratio "$WALL" "$fw")"
    rm -f "$work/g.ext4"
}

small() {
    if [ ! -d "$work/small" ]; then python3 "$here/bench/gen-tree.py" "$work/small" "$small_files" --small; fi
    [ -f "$work/small.tar" ] || tar -C "$work/small" --numeric-owner -cf "$work/small.tar" .
    header "$small_files small files, Kiln with -Xmx1g"
    rm -f "$work/c.ext4" "$work/d.ext4" "$work/gc.log"
    KILN_JAVA_OPTS="-Xmx1g -Xlog:gc:file=$work/gc.log" \
        measure "kiln build tar:small.tar (-Xmx1g)" "$kiln" build "tar:$work/small.tar" -o "$work/c.ext4" --init=none -q
    local kw=$WALL kc=$CPU
    # Heap in use right after each collection ("...->123M(1024M)"); its maximum bounds live data.
    echo "peak heap after GC: $(grep -o -- '->[0-9]*M' "$work/gc.log" | tr -dc '0-9\n' | sort -n | tail -1) MiB (limit 1024 MiB)"
    truncate -s "$(stat -c %s "$work/c.ext4")" "$work/d.ext4"
    measure "mkfs.ext4 -d small/ (same size)" mkfs.ext4 -q -F -N "$(inodes "$work/c.ext4")" -d "$work/small" "$work/d.ext4"
    echo "ratio kiln/mkfs: wall $(ratio "$kw" "$WALL"), cpu $(ratio "$kc" "$CPU")"
    fsck "$work/c.ext4"
    rm -f "$work/c.ext4" "$work/d.ext4"
}

echo "Kiln benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1)"
case $what in
    main) main ;;
    gzip) gzip_part ;;
    small) small ;;
    all) main; gzip_part; small ;;
    *) echo "usage: bench/run.sh [all|main|gzip|small]" >&2; exit 2 ;;
esac
