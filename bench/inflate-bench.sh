#!/usr/bin/env bash
# Issue 15's faster-inflater lever: how fast Kiln decodes gzip, and what that does to a build.
# One gzip file, decoded in one run by
#   kiln's decoder, java fallback:   java -Dkiln.inflate=java InflateBench FILE    (java.util.zip, zlib)
#   kiln's decoder, native:          java -Dkiln.inflate=native InflateBench FILE  (ISA-L via the JNI shim)
#   pigz -dc FILE > /dev/null, gzip -dc FILE > /dev/null, and igzip -dc (ISA-L's own tool) if installed
# (bench/InflateBench.java: dev.kiln.inflate.Gunzip, every byte read and discarded; the JVM's start
# is included), printing wall, CPU (user+sys), peak RSS and MB/s of decoded data; then end to end,
#   bin/kiln build tar:FILE -o out.ext4 --init none   with the native inflater and with
#   KILN_JAVA_OPTS=-Dkiln.inflate=java, next to the pigz -dc floor and to the same build from the
#   tar uncompressed (what is left with no inflating at all), and checks the images are
#   byte-identical.
# The file is issue 15's workload B: a Debian bookworm root (debootstrap --variant=minbase with
# python3 and gcc) as one tar.gz written by GNU tar and gzip -6 (Docker's level), made once in the
# bench dir. Medians of BENCH_RUNS runs (default 3); the page cache is warm for every row.
#
# usage: bench/inflate-bench.sh [all|micro|build]    (default all)
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-inflate-bench),
#        KILN_INFLATE_FILE (another .tar.gz to use instead of workload B),
#        BENCH_OUT_DIR (where the images go; default the bench dir. Kiln syncs its output, so on
#        a shared disk the build rows carry its load: /dev/shm leaves only the CPU's share)
# Needs: root and debootstrap (once, for workload B), pigz, gzip, e2fsck, /usr/bin/time (package
# "time"), a JDK. Not part of the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
what=${1:-all}
work=${KILN_BENCH_DIR:-/tmp/kiln-inflate-bench}
mkdir -p "$work"
for t in pigz gzip e2fsck java javac /usr/bin/time; do
    command -v "$t" > /dev/null || { echo "inflate-bench: $t is missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)
. "$here/bench/lib.sh"

file=${KILN_INFLATE_FILE:-$work/workload-b.tar.gz}
if [ -z "${KILN_INFLATE_FILE:-}" ] && [ ! -f "$file" ]; then
    rootfs="$work/rootfs-b"
    if [ ! -f "$work/rootfs-b.done" ]; then
        command -v debootstrap > /dev/null || { echo "inflate-bench: debootstrap is missing" >&2; exit 2; }
        mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null \
            | head -1 | tr -d ' ' || true)
        rm -rf "$rootfs"
        echo "making workload B: debootstrap --variant=minbase --include=python3,gcc bookworm (once)"
        debootstrap --variant=minbase --include=python3,gcc bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
            > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
        touch "$work/rootfs-b.done"
    fi
    tar -C "$rootfs" --numeric-owner -cf - . | gzip -6 > "$file.tmp"
    mv "$file.tmp" "$file"
fi
cat "$file" > /dev/null   # warm the page cache so no row pays for the first read
size=$(gzip -dc "$file" | wc -c)
mbps() { awk -v b="$size" -v w="$1" 'BEGIN { if (w > 0) printf "%.0f", b / 1e6 / w; else print "n/a" }'; }
row() { printf '%-46s %8s s %8s s %7s MiB %8s\n' "$1" "$WALL" "$CPU" "$RSS_MB" "$(mbps "$WALL")"; }
quiet() { local label=$1; shift; measure "$label" "$@" > /dev/null; row "$label"; }

classes="$work/bench-classes"
mkdir -p "$classes"
javac -d "$classes" -cp "$here/kiln/target/kiln.jar" "$here/bench/InflateBench.java"
# inflate ENGINE: the command line decoding the file with Kiln's decoder and that engine
inflate() { echo java -XX:+UseSerialGC -Dkiln.inflate="$1" -cp "$classes:$here/kiln/target/kiln.jar" InflateBench "$file"; }

echo "inflate benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$(java -version 2>&1 | head -1)"
echo "file: $file, $(( $(stat -c %s "$file") >> 20 )) MiB gzip, $(( size >> 20 )) MiB decoded"
expected=$(gzip -dc "$file" | sha256sum | cut -d' ' -f1)
for engine in native java; do   # both engines must give what gzip gives, before any timing
    got=$($(inflate "$engine") --sha256)
    case "$got" in
        *"$expected"*) ;;
        *) echo "inflate-bench: -Dkiln.inflate=$engine decoded something else than gzip -dc: $got" >&2; exit 1 ;;
    esac
done

micro() {
    printf '\n%-46s %10s %10s %11s %8s\n' "decode to /dev/null" "wall" "cpu(u+s)" "peak RSS" "MB/s"
    quiet "kiln inflate, java.util.zip (-Dkiln.inflate=java)" $(inflate java)
    jw=$WALL jc=$CPU
    quiet "kiln inflate, ISA-L shim (-Dkiln.inflate=native)" $(inflate native)
    nw=$WALL nc=$CPU
    quiet "pigz -dc" sh -c "pigz -dc '$file' > /dev/null"
    pw=$WALL pc=$CPU
    quiet "gzip -dc" sh -c "gzip -dc '$file' > /dev/null"
    if command -v igzip > /dev/null; then
        quiet "igzip -dc (ISA-L's own tool)" sh -c "igzip -dc '$file' > /dev/null"
    fi
    echo
    echo "native vs java fallback: $(ratio "$jc" "$nc")x less CPU, $(ratio "$jw" "$nw")x less wall;" \
        "native vs pigz -dc: $(ratio "$nw" "$pw")x its wall, $(ratio "$nc" "$pc")x its CPU"
}

build() {
    local out=${BENCH_OUT_DIR:-$work}
    printf '\n%-46s %10s %10s %11s\n' "end to end (images in $out)" "wall" "cpu(u+s)" "peak RSS"
    measure "floor: pigz -dc > /dev/null" sh -c "pigz -dc '$file' > /dev/null"
    floor=$WALL
    BENCH_SETUP="rm -f '$out/native.ext4'" \
        measure "kiln build tar: (native inflater)" "$here/bin/kiln" build "tar:$file" -o "$out/native.ext4" --init none -q
    kn=$WALL kcn=$CPU
    BENCH_SETUP="rm -f '$out/java.ext4'" KILN_JAVA_OPTS="${KILN_JAVA_OPTS:-} -Dkiln.inflate=java" \
        measure "kiln build tar: (-Dkiln.inflate=java)" "$here/bin/kiln" build "tar:$file" -o "$out/java.ext4" --init none -q
    kj=$WALL kcj=$CPU
    # The same tar uncompressed: what a build costs with no inflating at all.
    [ -f "$work/plain.tar" ] && [ "$work/plain.tar" -nt "$file" ] || gzip -dc "$file" > "$work/plain.tar"
    BENCH_SETUP="rm -f '$out/plain.ext4'" \
        measure "kiln build tar: (the tar uncompressed)" "$here/bin/kiln" build "tar:$work/plain.tar" -o "$out/plain.ext4" --init none -q
    kp=$WALL
    if cmp -s "$out/native.ext4" "$out/java.ext4" && cmp -s "$out/native.ext4" "$out/plain.ext4"; then
        echo "images: byte-identical (native, java, uncompressed)"; else echo "images: DIFFER"; exit 1; fi
    if e2fsck -fn "$out/native.ext4" > "$work/fsck.txt" 2>&1; then echo "e2fsck -fn: clean"; else
        echo "e2fsck -fn: PROBLEMS"; tail -5 "$work/fsck.txt"; exit 1; fi
    rm -f "$out/native.ext4" "$out/java.ext4" "$out/plain.ext4"
    echo
    echo "kiln vs pigz -dc floor: native $(ratio "$kn" "$floor")x, java $(ratio "$kj" "$floor")x (wall; issue 15 target <= 1.0);" \
        "native saves $(ratio "$kcj" "$kcn")x CPU; uncompressed $(ratio "$kp" "$floor")x"
}

case "$what" in
    micro) micro ;;
    build) build ;;
    all) micro; build ;;
    *) echo "usage: bench/inflate-bench.sh [all|micro|build]" >&2; exit 2 ;;
esac
