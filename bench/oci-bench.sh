#!/usr/bin/env bash
# Issue 3's benchmark: one real distribution image (debootstrap --variant=minbase bookworm made
# into an OCI image with umoci, plus a second layer installing `hello` and deleting docs), timed
#   floor:  gzip -dc of every layer blob > /dev/null   (just decompressing, nothing else)
#   usual:  umoci unpack + mkfs.ext4 -d of the rootfs  (extract to disk, then make the image)
#   kiln:   bin/kiln build oci:LAYOUT:t -o out.ext4    (one streaming pass, no extraction)
# in one run, printing wall time, CPU time and peak RSS of each (the median of BENCH_RUNS runs,
# default 3) and the ratios the issue sets targets for (kiln at least 2x faster than usual, within 1.5x of the floor).
#
# usage: bench/oci-bench.sh      (needs root for umoci unpack/chroot; not part of the test suite)
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-oci-bench; the image is built once and reused),
#        KILN_ROOTFS (a debootstrap tree to use; default: kiln/target/debootstrap/rootfs if the
#        slow tests left one there, else debootstrap runs into the bench dir)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${KILN_BENCH_DIR:-/tmp/kiln-oci-bench}
kiln="$here/bin/kiln"
mkdir -p "$work"
for t in umoci debootstrap mkfs.ext4 e2fsck gzip /usr/bin/time; do
    command -v "$t" > /dev/null || { echo "oci-bench: $t is missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)

. "$here/bench/lib.sh"

layout="$work/layout"
if [ ! -f "$work/image.done" ]; then
    rootfs=${KILN_ROOTFS:-$here/kiln/target/debootstrap/rootfs}
    if [ ! -f "$rootfs/../rootfs.done" ] && [ -z "${KILN_ROOTFS:-}" ]; then
        rootfs="$work/rootfs"
        mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
            | head -1 | tr -d ' ' || true)
        [ -f "$work/rootfs.done" ] || { rm -rf "$rootfs"; debootstrap --variant=minbase bookworm "$rootfs" \
            "${mirror:-http://deb.debian.org/debian}" > "$work/debootstrap.log" && touch "$work/rootfs.done"; }
    fi
    rm -rf "$layout" "$work/bundle" "$work/debs"
    umoci init --layout "$layout" && umoci new --image "$layout:t"
    umoci unpack --image "$layout:t" "$work/bundle" > /dev/null
    cp -a "$rootfs/." "$work/bundle/rootfs/"
    umoci repack --image "$layout:t" "$work/bundle"
    rm -rf "$work/bundle" && umoci unpack --image "$layout:t" "$work/bundle" > /dev/null
    mkdir "$work/debs" && (cd "$work/debs" && apt-get download -q hello > /dev/null 2>&1)
    cp "$work"/debs/*.deb "$work/bundle/rootfs/tmp/hello.deb"
    chroot "$work/bundle/rootfs" dpkg -i /tmp/hello.deb > /dev/null
    rm -rf "$work/bundle/rootfs/tmp/hello.deb" "$work/bundle/rootfs/usr/share/man"
    umoci repack --image "$layout:t" "$work/bundle"
    rm -rf "$work/bundle" "$work/debs"
    touch "$work/image.done"
fi
layers=$(python3 -c 'import json,sys
idx=json.load(open(sys.argv[1]+"/index.json"))
m=json.load(open(sys.argv[1]+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(" ".join(sys.argv[1]+"/blobs/sha256/"+l["digest"][7:] for l in m["layers"]))' "$layout")
compressed=$(du -cb $layers | tail -1 | cut -f1)
uncompressed=$(for l in $layers; do gzip -dc "$l"; done | wc -c)
echo "image: $(wc -w <<< "$layers") layers, $((compressed >> 20)) MiB gzip, $((uncompressed >> 20)) MiB of tar"
cat $layers > /dev/null   # warm the page cache so no row pays for the first read

printf '\n%-46s %10s %10s %11s\n' "" "wall" "cpu(u+s)" "peak RSS"
measure "floor: gzip -dc every layer > /dev/null" bash -c "for l in $layers; do gzip -dc \"\$l\" > /dev/null; done"
floor_wall=$WALL; floor_cpu=$CPU

measure "kiln build oci: (--init none)" "$kiln" build "oci:$layout:t" -o "$work/kiln.ext4" --init none -q
kiln_wall=$WALL; kiln_cpu=$CPU
size=$(stat -c %s "$work/kiln.ext4")

BENCH_SETUP="rm -rf '$work/unpack' '$work/mkfs.ext4'" \
    measure "umoci unpack + mkfs.ext4 -d (same size)" bash -c "umoci unpack --image '$layout:t' '$work/unpack' \
    && truncate -s $size '$work/mkfs.ext4' && mkfs.ext4 -q -F -d '$work/unpack/rootfs' '$work/mkfs.ext4'"
usual_wall=$WALL; usual_cpu=$CPU

if e2fsck -fn "$work/kiln.ext4" > "$work/fsck.txt" 2>&1; then echo "e2fsck -fn kiln.ext4: clean"; else
    echo "e2fsck -fn kiln.ext4: PROBLEMS"; tail -5 "$work/fsck.txt"; fi
rm -rf "$work/unpack" "$work/mkfs.ext4"
echo
echo "kiln vs umoci unpack + mkfs.ext4 -d: $(ratio "$usual_wall" "$kiln_wall")x faster (wall; target >= 2)," \
    "$(ratio "$usual_cpu" "$kiln_cpu")x less CPU"
echo "kiln vs decompression floor:        $(ratio "$kiln_wall" "$floor_wall")x the floor's wall time (target <= 1.5)," \
    "$(ratio "$kiln_cpu" "$floor_cpu")x its CPU"
