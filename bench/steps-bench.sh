#!/usr/bin/env bash
# Build steps under QEMU TCG (issue 12): for one run step, the time
#   boot       from starting QEMU until the command starts (kernel, kiln-init, mounting the disk)
#   command    the command itself
#   VM total   from starting QEMU until it exited (boot, command, stopping, unmounting)
#   read back  reading the step's disk with Kiln's ext4 reader into the compact tree of the cache
# as `kiln build` reports them ("kiln: step 1/1: done: ..."), the whole build's wall time, and
# the wall time of the same build again with the step taken from the cache (no VM boots).
# Each row is the run with the median VM total of BENCH_RUNS runs (default 3), each with an empty
# step cache; the cached row is the median of BENCH_RUNS rebuilds.
#
# Rows: a busybox image running `true`; the same writing 256 MiB of random data (read-back cost);
# an arm64 busybox image running `true` under qemu-system-aarch64 (when the arm64 kernel and the
# arm64 busybox the boot tests fetch are there); with BENCH_DEBIAN=1, `apt-get update && apt-get
# install -y hello` in the debootstrapped Debian the tests make (kiln/target/debootstrap), from
# Debian's mirror.
#
# usage: bench/steps-bench.sh
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-bench), KILN_KERNEL (default
#        ../shared/kernel/bzImage), KILN_KERNEL_ARM64 (default ../shared/kernel-arm64/Image),
#        BENCH_DEBIAN=1 (adds the Debian row, minutes per run)
# Needs: busybox (static), qemu-system-x86_64 (and -aarch64 for that row), a JDK.
# Not part of the test suite.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${KILN_BENCH_DIR:-/tmp/kiln-bench}/steps
runs=${BENCH_RUNS:-3}
kernel=${KILN_KERNEL:-$here/../shared/kernel/bzImage}
kernel_arm64=${KILN_KERNEL_ARM64:-$here/../shared/kernel-arm64/Image}
kiln="$here/bin/kiln"
mkdir -p "$work"
[ -f "$kernel" ] || { echo "bench: no kernel at $kernel (set KILN_KERNEL)" >&2; exit 2; }
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)

# busybox_root DIR BUSYBOX: a root with busybox and a link per applet in /bin, and users.
busybox_root() {
    rm -rf "$1"; mkdir -p "$1/bin" "$1/etc"
    cp "$2" "$1/bin/busybox"; chmod 755 "$1/bin/busybox"
    for a in $(busybox --list); do [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$1/etc/passwd"; printf 'root:x:0:\n' > "$1/etc/group"
}

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-34s %7s %8s %9s %10s %8s %9s\n' "" "boot" "command" "VM total" "read back" "build" "cached"
# row LABEL KERNEL SOURCE [kiln build options...]: BENCH_RUNS builds with an empty cache, then
# BENCH_RUNS rebuilds from the cache; prints the times in seconds.
row() {
    local label=$1 k=$2 source=$3; shift 3
    local i start end lines="" cached=""
    for ((i = 0; i < runs; i++)); do
        rm -rf "$work/cache" "$work/out.ext4"
        start=$(now)
        if ! "$kiln" build "$source" --kernel "$k" --cache-dir "$work/cache" --init none -o "$work/out.ext4" "$@" \
                > "$work/log.txt" 2>&1; then
            echo "bench: $label failed:" >&2; tail -20 "$work/log.txt" >&2; exit 1
        fi
        end=$(now)
        lines+=$(awk -v wall="$(echo "$end - $start" | bc)" '/kiln: step 1\/1: done: / {
            gsub(/,/, ""); printf "%s %s %s %s %s\n", $13, $6, $9, $17, wall }' "$work/log.txt")$'\n'
    done
    for ((i = 0; i < runs; i++)); do
        rm -f "$work/out.ext4"
        start=$(now)
        "$kiln" build "$source" --kernel "$k" --cache-dir "$work/cache" --init none -o "$work/out.ext4" "$@" \
            > "$work/log.txt" 2>&1
        end=$(now)
        grep -q "step 1/1: cached" "$work/log.txt" || { echo "bench: $label: the rebuild was not cached" >&2; exit 1; }
        cached+="$(echo "$end - $start" | bc)"$'\n'
    done
    # the run with the median VM total: total boot command readback wall
    read -r total boot command readback wall < <(printf '%s' "$lines" | sort -n -k1,1 \
        | awk -v n="$runs" 'NR == int((n + 1) / 2)')
    printf '%-34s %6.2fs %7.2fs %8.2fs %9.2fs %7.2fs %8.2fs\n' "$label" "$boot" "$command" "$total" "$readback" \
        "$wall" "$(printf '%s' "$cached" | median)"
}

command -v bc > /dev/null || { echo "bench: bc is missing (apt-get install bc)" >&2; exit 2; }
busybox_root "$work/busybox" "$(command -v busybox)"
row "busybox x86_64: true" "$kernel" "dir:$work/busybox" --run true
row "busybox x86_64: write 256 MiB" "$kernel" "dir:$work/busybox" \
    --run "head -c 268435456 /dev/urandom > /data.bin"

arm_busybox="$here/kiln/target/test-cache/busybox-static_arm64/bin/busybox"
if [ -f "$kernel_arm64" ] && [ -f "$arm_busybox" ] && command -v qemu-system-aarch64 > /dev/null; then
    busybox_root "$work/busybox-arm64" "$arm_busybox"
    row "busybox arm64 (TCG): true" "$kernel_arm64" "dir:$work/busybox-arm64" --platform linux/arm64 --run true
else
    echo "(arm64 row skipped: needs $kernel_arm64 and $arm_busybox, which the arm64 boot tests fetch)"
fi

debian="$here/kiln/target/debootstrap/bookworm-minbase-systemd-sysv"
if [ "${BENCH_DEBIAN:-}" = 1 ]; then
    [ -d "$debian" ] || { echo "bench: no Debian tree at $debian (run the Debian boot tests once)" >&2; exit 2; }
    row "debian: apt-get install hello" "$kernel" "dir:$debian" --step-timeout 30m \
        --run "apt-get update && apt-get install -y hello"
fi
rm -rf "$work/cache" "$work/out.ext4"
