#!/usr/bin/env bash
# The ext4 reader's throughput (issue 12): the tree from bench/gen-tree.py, put into an image
# by mkfs.ext4 -d, then read back whole, in one run, by
#   Kiln's reader:      java Ext4ReadBench IMG  (bench/Ext4ReadBench.java: every entry and every
#                       byte of file data, discarded; the JVM's start is included)
#   debugfs:            debugfs -R 'rdump / OUT' IMG        (e2fsprogs' reader; writes the tree
#                       out, which costs it the writes too)
#   the kernel:         mount -o loop,ro IMG MNT && tar -C MNT -cf - . | cat > /dev/null (needs root;
#                       mounting and unmounting included; the pipe because GNU tar skips reading
#                       file data when it sees its archive is /dev/null)
#   kiln end to end:    bin/kiln build ext4:IMG -o out.ext4  (read, then written as a new image)
# printing wall time, CPU time (user+sys), peak RSS and MB/s of file data (the median of
# BENCH_RUNS runs, default 3). The mount row's CPU time leaves out the kernel's loop-device
# threads, which do its reading, so compare it by wall time. The page cache is warm for every row (nothing is dropped: the
# machine is shared), so this measures the readers' own cost, not the disk's.
#
# usage: bench/ext4-read-bench.sh
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-bench; the tree and image are
#        made once and reused), BENCH_FILES (default 60000)
# Needs: a JDK, python3, mkfs.ext4, debugfs, GNU tar, /usr/bin/time (package "time"); root for the
# mount row.
# Not part of the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${KILN_BENCH_DIR:-/tmp/kiln-bench}
files=${BENCH_FILES:-60000}
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)
. "$here/bench/lib.sh"

if [ ! -d "$work/tree" ]; then python3 "$here/bench/gen-tree.py" "$work/tree" "$files"; fi
data=$(du -sb --apparent-size "$work/tree" | cut -f1)   # bytes the tree holds (files, dirs, links)
image="$work/read.ext4"
if [ ! -f "$image" ]; then
    count=$(find "$work/tree" | wc -l)
    size=$(( (data + data / 3 + count * 8192) / 1048576 + 64 ))M
    mkfs.ext4 -q -F -b 4096 -N $(( count + count / 4 + 1024 )) -d "$work/tree" "$image" "$size"
fi
e2fsck -fn "$image" > /dev/null 2>&1 || { echo "bench: $image is not e2fsck clean" >&2; exit 1; }
mbps() { awk -v b="$data" -v w="$1" 'BEGIN { if (w > 0) printf "%.0f", b / 1e6 / w; else print "n/a" }'; }

echo "ext4 read benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1)"
echo "tree: $(find "$work/tree" -type f | wc -l) files, $(( data / 1048576 )) MiB of data;" \
    "image $(( $(stat -c %s "$image") >> 20 )) MiB ($(dumpe2fs -h "$image" 2>/dev/null | awk -F': *' '/^Block size/ { print $2 }')-byte blocks)"
printf '\n%-46s %10s %10s %11s %8s\n' "" "wall" "cpu(u+s)" "peak RSS" "MB/s"
row() { printf '%-46s %8s s %8s s %7s MiB %8s\n' "$1" "$WALL" "$CPU" "$RSS_MB" "$(mbps "$WALL")"; }
quiet() { local label=$1; shift; measure "$label" "$@" > /dev/null; row "$label"; }

mkdir -p "$work/bench-classes"
javac -d "$work/bench-classes" -cp "$here/ext4/target/classes" "$here/bench/Ext4ReadBench.java"
quiet "kiln ext4 reader (every entry and byte)" \
    java -XX:+UseSerialGC -cp "$work/bench-classes:$here/ext4/target/classes" Ext4ReadBench "$image"
kw=$WALL kc=$CPU
BENCH_SETUP="rm -rf '$work/rdump' && mkdir '$work/rdump'" \
    quiet "debugfs -R 'rdump / DIR'" debugfs -R "rdump / $work/rdump" "$image"
dw=$WALL dc=$CPU
rm -rf "$work/rdump"
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$work/mnt"
    quiet "mount -o loop,ro + tar -c | cat > /dev/null" \
        bash -c "set -o pipefail; mount -o loop,ro '$image' '$work/mnt' && tar -C '$work/mnt' -cf - . | cat > /dev/null; s=\$?; umount '$work/mnt'; exit \$s"
    mw=$WALL mc=$CPU
else
    echo "(mount + tar row skipped: loop mounts need root)"
    mw=0 mc=0
fi
rm -f "$work/rebuilt.ext4"
BENCH_SETUP="rm -f '$work/rebuilt.ext4'" \
    quiet "kiln build ext4:IMG -o out.ext4 (end to end)" "$here/bin/kiln" build "ext4:$image" -o "$work/rebuilt.ext4" --init=none -q
e2fsck -fn "$work/rebuilt.ext4" > /dev/null 2>&1 && echo "e2fsck -fn rebuilt.ext4: clean" || echo "e2fsck -fn rebuilt.ext4: PROBLEMS"
rm -f "$work/rebuilt.ext4"
echo
echo "ratio reader/debugfs rdump: wall $(ratio "$kw" "$dw"), cpu $(ratio "$kc" "$dc")"
[ "$mw" = 0 ] || echo "ratio reader/(mount + tar -c): wall $(ratio "$kw" "$mw"), cpu $(ratio "$kc" "$mc")"
