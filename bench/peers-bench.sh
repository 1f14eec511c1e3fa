#!/usr/bin/env bash
# Issue 15's benchmark: Kiln next to every peer on three workloads, in one run.
#   A: Debian bookworm + python3 + gcc as an OCI image of 2 gzip layers (debootstrap minbase, then
#      the same with python3 and gcc: umoci repack makes the second layer the difference)
#   B: the same root flattened, one tar.gz (GNU tar, gzip -6)
#   C: 200,000 files of 1-4 KiB, one plain tar (bench/gen-tar.py)
# rows per workload:
#   floor                    pigz -dc of every layer > /dev/null (A, B); for C a copy of the tar
#                            into the output dir, synced (Kiln and mke2fs sync their images too)
#   kiln                     bin/kiln build SOURCE -o OUT --init none
#   mke2fs 1.47.2 -d TAR     (B, C) Kiln's image size and inode count, 4 KiB blocks
#   mkfs.erofs --tar         (B, C)
#   umoci + mkfs.ext4 -d     (A) umoci unpack, then this host's mkfs.ext4 -d at Kiln's size
# each the median of BENCH_RUNS runs (wall, CPU user+sys, peak RSS; the spread min-max of the
# wall times in brackets), then a table in the README's form and the issue's target ratios.
# Every ext4 image is checked with e2fsck -fn.
# mke2fs 1.47.2 and mkfs.erofs come from a Debian trixie root that debootstrap makes in the bench
# dir (once). They run through trixie's own dynamic loader and libraries
# (ld-linux --library-path ROOT/usr/lib/...), with no chroot: they read and write the same host
# paths as the other rows, and mke2fs finds libarchive (which it dlopens for -d TAR) there too.
# Scale (`scale`): 1,000,000 files like C's (heap after GC from -Xlog:gc), and ten copies of B as
# one tar.gz (a ~5 GiB image), Kiln next to mke2fs 1.47.2 and the floor.
#
# usage: bench/peers-bench.sh [all|table|scale|prepare]   (default all: table on disk, table in
#        tmpfs, scale on disk)
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-peers-bench; inputs and the
#        trixie root are made once and reused), BENCH_OUT_DIR (images; default KILN_BENCH_DIR/out,
#        on disk as a user would have them), BENCH_TMPFS_DIR (default /dev/shm/kiln-peers-bench),
#        BENCH_SCALE_FILES (default 1000000), BENCH_SCALE_COPIES (copies of B, default 10),
#        BENCH_SCALE_RUNS (default BENCH_RUNS)
# Needs root (debootstrap, umoci unpack), network to the Debian mirror once, pigz, umoci,
# mkfs.ext4, e2fsck, python3, /usr/bin/time (package "time"). Not part of the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
work=${KILN_BENCH_DIR:-/tmp/kiln-peers-bench}
out_disk=${BENCH_OUT_DIR:-$work/out}
out_tmpfs=${BENCH_TMPFS_DIR:-/dev/shm/kiln-peers-bench}
kiln="$here/bin/kiln"
mkdir -p "$work" "$out_disk"
for t in pigz gzip umoci debootstrap mkfs.ext4 dumpe2fs e2fsck python3 /usr/bin/time; do
    command -v "$t" > /dev/null || { echo "peers-bench: $t is missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)
. "$here/bench/lib.sh"

mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
    | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}

# once NAME CMD...: runs CMD unless NAME.done exists; a failed or stopped run leaves no stamp, so
# the next run starts that step again from scratch (each step clears what it makes first).
once() {
    local name=$1; shift
    [ -f "$work/$name.done" ] && return 0
    echo "preparing $name (once)" >&2
    "$@" > "$work/$name.log" 2>&1 || { echo "peers-bench: preparing $name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
    touch "$work/$name.done"
}
# debs are kept across attempts: a second try downloads only what is missing
bootstrap() { # SUITE DIR [debootstrap options]
    local suite=$1 dir=$2; shift 2
    rm -rf "$dir" && mkdir -p "$work/debs-$suite"
    debootstrap --variant=minbase --cache-dir="$work/debs-$suite" "$@" "$suite" "$dir" "$mirror"
}
make_a() {
    local layout="$work/A" bundle="$work/A-bundle"
    rm -rf "$layout" "$bundle"
    umoci init --layout "$layout" && umoci new --image "$layout:t"
    umoci unpack --image "$layout:t" "$bundle"
    cp -a "$work/rootfs-a1/." "$bundle/rootfs/"
    umoci repack --image "$layout:t" "$bundle"
    rm -rf "$bundle" && umoci unpack --image "$layout:t" "$bundle"
    # the second layer: everything python3 and gcc added or changed (cp -a keeps the times, so
    # umoci's mtree diff sees the unchanged files as unchanged)
    find "$bundle/rootfs" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    cp -a "$work/rootfs-b/." "$bundle/rootfs/"
    umoci repack --image "$layout:t" "$bundle"
    rm -rf "$bundle"
}
make_b() {
    tar -C "$work/rootfs-b" --numeric-owner -cf - . | gzip -6 > "$work/B.tar.gz.tmp"
    mv "$work/B.tar.gz.tmp" "$work/B.tar.gz"
}
make_scale_copies() {
    gzip -dc "$work/B.tar.gz" > "$work/B.tar"
    python3 "$here/bench/gen-tar.py" "$work/S.tar" --copies "${BENCH_SCALE_COPIES:-10}" "$work/B.tar"
    rm -f "$work/B.tar"
    pigz -6 < "$work/S.tar" > "$work/S.tar.gz.tmp" && rm -f "$work/S.tar"
    mv "$work/S.tar.gz.tmp" "$work/S${BENCH_SCALE_COPIES:-10}.tar.gz"
}

prepare() {
    once trixie bootstrap trixie "$work/trixie" --include=e2fsprogs,erofs-utils,libarchive13t64
    once rootfs-a1 bootstrap bookworm "$work/rootfs-a1"
    once rootfs-b bootstrap bookworm "$work/rootfs-b" --include=python3,gcc
    once A make_a
    once B make_b
    # C.tar from an earlier version of this script is kept; gen-tar.py writes it the same way
    [ -f "$work/C.tar" ] && [ ! -f "$work/C.done" ] && touch "$work/C.done"
    once C python3 "$here/bench/gen-tar.py" "$work/C.tar" 200000
}
prepare_scale() {
    local files=${BENCH_SCALE_FILES:-1000000}
    once "M$files" python3 "$here/bench/gen-tar.py" "$work/M$files.tar" "$files"
    once "S${BENCH_SCALE_COPIES:-10}" make_scale_copies
}

trixie="$work/trixie"
trixie_libs="$trixie/usr/lib/x86_64-linux-gnu:$trixie/lib/x86_64-linux-gnu"
in_trixie() { "$trixie/lib64/ld-linux-x86-64.so.2" --library-path "$trixie_libs" "$trixie$1" "${@:2}"; }
export -f in_trixie
export trixie trixie_libs

layers_of() { # LAYOUT: the layer blobs of its one manifest, in order
    python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/index.json"))
m=json.load(open(sys.argv[1]+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(" ".join(sys.argv[1]+"/blobs/sha256/"+l["digest"][7:] for l in m["layers"]))' "$1"
}

# measure_spread: measure's row with the spread (min-max) of the wall times
measure_spread() {
    measure "$@" > /dev/null
    SPREAD=$(printf '%s' "$BENCH_ROWS" | sort -n -k1,1 | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }')
    printf '%-44s %7s s %7s s %6s MiB   wall %s s\n' "$1" "$WALL" "$CPU" "$RSS_MB" "$SPREAD"
}
cell() { printf '%s s, %s s CPU, %s MiB [%s]' "$WALL" "$CPU" "$RSS_MB" "$SPREAD"; }

check_ext4() { # IMAGE LABEL [e2fsck command]
    local image=$1 label=$2; shift 2
    if "${@:-e2fsck}" -fn "$image" > "$work/fsck.txt" 2>&1; then echo "  e2fsck -fn $label: clean"; else
        echo "  e2fsck -fn $label: PROBLEMS"; tail -5 "$work/fsck.txt"; FAILED=1; fi
}
inodes_of() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Inode count/ { gsub(/ /, "", $2); print $2 }'; }

# kiln_row SOURCE OUT: Kiln's row; sets K (the table cell), KW/KC/KR, size and inodes of its image
kiln_row() {
    BENCH_SETUP="rm -f '$2'" measure_spread "kiln build (--init none)" "$kiln" build "$1" -o "$2" --init none -q
    K=$(cell); KW=$WALL; KC=$CPU; KR=$RSS_MB
    size=$(stat -c %s "$2"); inodes=$(inodes_of "$2")
    check_ext4 "$2" kiln
}
# peers TAR OUT: mke2fs 1.47.2 -d and mkfs.erofs --tar on TAR (gzip or plain); sets M, E, MC
peers() {
    local tar=$1 out=$2 gz=
    case "$tar" in *.gz) gz=--ungzip ;; esac
    BENCH_SETUP="rm -f '$out/mke2fs.ext4'; truncate -s $size '$out/mke2fs.ext4'" \
        measure_spread "mke2fs 1.47.2 -d TAR" env MKE2FS_CONFIG="$trixie/etc/mke2fs.conf" \
        bash -c "in_trixie /usr/sbin/mke2fs -q -F -t ext4 -b 4096 -N $inodes -d '$tar' '$out/mke2fs.ext4'"
    M=$(cell); MW=$WALL; MC=$CPU
    check_ext4 "$out/mke2fs.ext4" "mke2fs 1.47.2's image" in_trixie /usr/sbin/e2fsck
    BENCH_SETUP="rm -f '$out/erofs.img'" \
        measure_spread "mkfs.erofs --tar" bash -c "in_trixie /usr/bin/mkfs.erofs --quiet --tar=f $gz '$out/erofs.img' '$tar'"
    E=$(cell)
    rm -f "$out/mke2fs.ext4" "$out/erofs.img"
}
pigz_floor() { # FILES...: sets F
    measure_spread "floor: pigz -dc > /dev/null" bash -c 'for l; do pigz -dc "$l" > /dev/null; done' - "$@"
    F="pigz -dc $(cell)"; FW=$WALL; FC=$CPU
}

table() { # OUT_DIR
    local out=$1 layers
    mkdir -p "$out"
    layers=$(layers_of "$work/A")
    cat $layers "$work/B.tar.gz" "$work/C.tar" > /dev/null   # warm the page cache for every row
    echo "images in $out ($(df --output=fstype "$out" | tail -1)), medians of $BENCH_RUNS runs, $(nproc) cores"
    printf '%-44s %9s %9s %10s\n' "" "wall" "cpu(u+s)" "peak RSS"

    echo "A: $(wc -w <<< "$layers") gzip layers, $(( $(cat $layers | wc -c) >> 20 )) MiB," \
        "$(( $(for l in $layers; do gzip -dc "$l"; done | wc -c) >> 20 )) MiB of tar"
    pigz_floor $layers; AF=$F; AFW=$FW
    kiln_row "oci:$work/A:t" "$out/kiln.ext4"; AK=$K; AKW=$KW; AKR=$KR
    BENCH_SETUP="rm -rf '$out/unpack' '$out/mkfs.ext4'" \
        measure_spread "umoci unpack + mkfs.ext4 -d (same size)" bash -c "umoci unpack --image '$work/A:t' '$out/unpack' > /dev/null \
        && truncate -s $size '$out/mkfs.ext4' && mkfs.ext4 -q -F -d '$out/unpack/rootfs' '$out/mkfs.ext4'"
    AU=$(cell)
    rm -rf "$out/unpack" "$out/mkfs.ext4"

    echo "B: one tar.gz, $(( $(stat -c %s "$work/B.tar.gz") >> 20 )) MiB, $(( $(gzip -dc "$work/B.tar.gz" | wc -c) >> 20 )) MiB of tar"
    pigz_floor "$work/B.tar.gz"; BF=$F; BFW=$FW
    kiln_row "tar:$work/B.tar.gz" "$out/kiln.ext4"; BK=$K; BKW=$KW; BKC=$KC; BKR=$KR
    peers "$work/B.tar.gz" "$out"; BM=$M; BE=$E; BMC=$MC

    echo "C: one plain tar, $(( $(stat -c %s "$work/C.tar") >> 20 )) MiB, $(tar -tf "$work/C.tar" | wc -l) entries"
    BENCH_SETUP="rm -f '$out/copy.tar'" \
        measure_spread "floor: copy the tar, synced" bash -c "cp '$work/C.tar' '$out/copy.tar' && sync '$out/copy.tar'"
    CF="copy $(cell)"; CFW=$WALL; rm -f "$out/copy.tar"
    kiln_row "tar:$work/C.tar" "$out/kiln.ext4"; CK=$K; CKW=$KW; CKC=$KC; CKR=$KR
    peers "$work/C.tar" "$out"; CM=$M; CE=$E; CMC=$MC
    rm -f "$out/kiln.ext4"

    echo
    echo "| workload | floor | Kiln | mke2fs 1.47.2 -d TAR | mkfs.erofs --tar | umoci + mkfs.ext4 -d |"
    echo "|---|---|---|---|---|---|"
    echo "| A: 2 gzip layers | $AF | $AK | (no layers) | (no layers) | $AU |"
    echo "| B: one tar.gz | $BF | $BK | $BM | $BE | - |"
    echo "| C: 200,000 files, plain tar | $CF | $CK | $CM | $CE | - |"
    echo
    target() { printf '  %-52s %6s  (target %s)\n' "$1" "$2" "$3"; }
    echo "targets (wall/CPU ratios, peak RSS):"
    target "A: kiln wall / pigz -dc floor" "$(ratio "$AKW" "$AFW")" "<= 1.0"
    target "B: kiln wall / pigz -dc floor" "$(ratio "$BKW" "$BFW")" "<= 1.0"
    target "B: kiln CPU / mke2fs 1.47.2 CPU" "$(ratio "$BKC" "$BMC")" "<= 1.0"
    target "C: kiln CPU / mke2fs 1.47.2 CPU" "$(ratio "$CKC" "$CMC")" "<= 1.0"
    target "C: kiln wall / copy floor" "$(ratio "$CKW" "$CFW")" "<= 3.0"
    target "peak RSS A / B / C (MiB)" "$AKR/$BKR/$CKR" "<= 150 each"
    measure "kiln --version" "$kiln" --version > /dev/null
    target "bin/kiln --version (s wall, median; CPU $CPU s)" "$WALL" "<= 0.2"
}

scale() {
    local out=$out_disk files=${BENCH_SCALE_FILES:-1000000} copies=${BENCH_SCALE_COPIES:-10}
    local BENCH_RUNS=${BENCH_SCALE_RUNS:-$BENCH_RUNS} m="$work/M$files.tar" s="$work/S$copies.tar.gz"
    echo "scale, images in $out, medians of $BENCH_RUNS runs"
    printf '%-44s %9s %9s %10s\n' "" "wall" "cpu(u+s)" "peak RSS"
    echo "$files files of 1-4 KiB, plain tar, $(( $(stat -c %s "$m") >> 20 )) MiB"
    BENCH_SETUP="rm -f '$out/copy.tar'" \
        measure_spread "floor: copy the tar, synced" bash -c "cp '$m' '$out/copy.tar' && sync '$out/copy.tar'"
    rm -f "$out/copy.tar"
    BENCH_SETUP="rm -f '$out/kiln.ext4' '$work/gc.log'" KILN_JAVA_OPTS="${KILN_JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log" \
        measure_spread "kiln build (--init none)" "$kiln" build "tar:$m" -o "$out/kiln.ext4" --init none -q
    # the live heap: the largest heap size right after a collection (of the last run)
    echo "  kiln heap after GC, at most: $(grep -oE '[0-9]+M->[0-9]+M' "$work/gc.log" | sed 's/.*->//; s/M//' | sort -n | tail -1) MiB" \
        "($(grep -c 'Pause' "$work/gc.log") collections)"
    size=$(stat -c %s "$out/kiln.ext4"); inodes=$(inodes_of "$out/kiln.ext4")
    check_ext4 "$out/kiln.ext4" kiln
    peers "$m" "$out"
    echo "$copies copies of B, one tar.gz, $(( $(stat -c %s "$s") >> 20 )) MiB"
    pigz_floor "$s"
    kiln_row "tar:$s" "$out/kiln.ext4"
    echo "  kiln image: $(( size >> 20 )) MiB"
    peers "$s" "$out"
    rm -f "$out/kiln.ext4"
}

FAILED=0
case "$what" in
    prepare) prepare; prepare_scale ;;
    table) prepare; table "$out_disk" ;;
    tmpfs) prepare; table "$out_tmpfs"; rm -rf "$out_tmpfs" ;;
    scale) prepare; prepare_scale; scale ;;
    all) prepare; prepare_scale; table "$out_disk"; echo; table "$out_tmpfs"; rm -rf "$out_tmpfs"; echo; scale ;;
    *) echo "usage: bench/peers-bench.sh [all|table|tmpfs|scale|prepare]" >&2; exit 2 ;;
esac
exit $FAILED
