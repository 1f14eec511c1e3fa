#!/usr/bin/env bash
# Issue 13's benchmark: a composed machine against its images booted one by one, under TCG.
#   images:    base (a busybox root, the machine's init image) and three services svc1..svc3
#              (busybox roots, each `httpd -f -p 808N` after printing "svcN: up"), made with umoci
#   composed:  kiln.yaml with init: [base] and services: [svc1, svc2, svc3] -> machine.ext4
#   separate:  each svcN built on its own (kiln build oci:LAYOUT:svcN) and booted as the VM's
#              main program, one after another
# Boot time is measured from QEMU's start (QEMU run directly, microvm, -snapshot) to the
# console line "kiln-init: all 3 services started" and until every "svcN: up" line has shown
# (composed), or to "svcN: up" (separate; the three added up); the median of BENCH_RUNS runs. Size: the composed machine's tar output and ext4
# blocks in use, against the sum of the images' flattened trees (each built with --init none
# to tar: its tree plus /etc/kiln's two small files).
#
# usage: bench/compose-bench.sh      (needs root for umoci unpack; not part of the test suite)
# env:   BENCH_RUNS (default 3), KILN_BENCH_DIR (default /tmp/kiln-compose-bench; the images are
#        made once and reused), KILN_TEST_KERNEL (default ../shared/kernel/bzImage)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${KILN_BENCH_DIR:-/tmp/kiln-compose-bench}
kiln="$here/bin/kiln"
kernel=${KILN_TEST_KERNEL:-$here/../shared/kernel/bzImage}
mkdir -p "$work"
for t in umoci busybox qemu-system-x86_64 python3 dumpe2fs; do
    command -v "$t" > /dev/null || { echo "compose-bench: $t is missing (run .ci/deps)" >&2; exit 2; }
done
[ -f "$kernel" ] || { echo "compose-bench: no kernel at $kernel; set KILN_TEST_KERNEL" >&2; exit 2; }
[ -f "$here/kiln/target/kiln.jar" ] || (cd "$here" && mvn -q -DskipTests package)

. "$here/bench/lib.sh"

layout="$work/layout"
# busybox_root DIR: busybox and a link per applet in /bin, root and app users, /www
busybox_root() {
    mkdir -p "$1/bin" "$1/sbin" "$1/etc" "$1/www" "$1/tmp"
    cp "$(command -v busybox)" "$1/bin/busybox"
    for a in $(busybox --list); do [ "$a" = busybox ] || [ "$a" = init ] || ln -sf busybox "$1/bin/$a"; done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n' > "$1/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\n' > "$1/etc/group"
}
# image TAG [umoci config options...]: an image whose one layer is what fill_TAG puts in its root
image() {
    local tag=$1; shift
    umoci new --image "$layout:new-$tag"
    rm -rf "$work/bundle" && umoci unpack --image "$layout:new-$tag" "$work/bundle" > /dev/null
    busybox_root "$work/bundle/rootfs"
    echo "$tag" > "$work/bundle/rootfs/www/index.html"
    umoci repack --image "$layout:new-$tag" "$work/bundle"
    umoci config --image "$layout:new-$tag" --tag "$tag" --os linux --architecture amd64 "$@"
    rm -rf "$work/bundle"
}
if [ ! -f "$work/images.done" ]; then
    rm -rf "$layout" && umoci init --layout "$layout"
    image base
    for n in 1 2 3; do
        image "svc$n" --config.entrypoint /bin/sh --config.entrypoint -c \
            --config.cmd "echo svc$n: up; exec httpd -f -p 808$n -h /www"
    done
    touch "$work/images.done"
fi

cat > "$work/kiln.yaml" <<EOF
init: ["oci:$layout:base"]
services:
  - {name: svc1, image: "oci:$layout:svc1"}
  - {name: svc2, image: "oci:$layout:svc2"}
  - {name: svc3, image: "oci:$layout:svc3"}
outputs:
  - path: machine.ext4
  - path: machine.tar
EOF
"$kiln" build -f "$work/kiln.yaml" -q
for n in 1 2 3; do "$kiln" build "oci:$layout:svc$n" -o "$work/svc$n.ext4" -q; done
flat=0
for t in base svc1 svc2 svc3; do
    "$kiln" build "oci:$layout:$t" -o "$work/flat-$t.tar" --init none -q
    flat=$((flat + $(stat -c %s "$work/flat-$t.tar")))
done

# boot_time IMAGE MARKER...: one boot; seconds from QEMU's start to the first console line
# holding each MARKER, in order, on one line
boot_time() {
    python3 - "$kernel" "$@" <<'PY'
import subprocess, sys, time
kernel, image, markers = sys.argv[1], sys.argv[2], [m.encode() for m in sys.argv[3:]]
cmd = ["qemu-system-x86_64", "-M", "microvm,acpi=off", "-accel", "tcg", "-m", "256", "-nodefaults",
       "-no-user-config", "-nographic", "-serial", "stdio", "-no-reboot", "-snapshot", "-kernel", kernel,
       "-append", "console=ttyS0 root=/dev/vda rw init=/sbin/init reboot=t panic=-1 quiet",
       "-drive", "id=root,file=" + image + ",format=raw,if=none", "-device", "virtio-blk-device,drive=root"]
start = time.monotonic()
qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
seen = {}
try:
    for line in qemu.stdout:
        for m in markers:
            if m in line and m not in seen:
                seen[m] = time.monotonic() - start
        if len(seen) == len(markers) or time.monotonic() - start > 300:
            break
finally:
    qemu.kill()
    qemu.wait()
missing = [m.decode() for m in markers if m not in seen]
if missing:
    sys.exit("compose-bench: " + ", ".join(missing) + " never appeared booting " + image)
print(" ".join("%.2f" % seen[m] for m in markers))
PY
}
row() { printf '  %-52s %s\n' "$1" "$2"; }
median() { sort -n | awk -v n="$BENCH_RUNS" 'NR == int((n + 1) / 2)'; }

# per boot: when kiln-init said all started, and when the last service said it was up
boots=$(for ((i = 0; i < BENCH_RUNS; i++)); do
    boot_time "$work/machine.ext4" "kiln-init: all 3 services started" "svc1: up" "svc2: up" "svc3: up"
done | awk '{ m = $2; if ($3 > m) m = $3; if ($4 > m) m = $4; print $1, m }')
composed=$(cut -d' ' -f1 <<< "$boots" | median)
composed_up=$(cut -d' ' -f2 <<< "$boots" | median)
separate=0
rows=""
for n in 1 2 3; do
    t=$(for ((i = 0; i < BENCH_RUNS; i++)); do boot_time "$work/svc$n.ext4" "svc$n: up"; done | median)
    rows+=$(row "svc$n alone, to \"svc$n: up\"" "$t s")$'\n'
    separate=$(awk -v a="$separate" -v b="$t" 'BEGIN { printf "%.2f", a + b }')
done

used() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block count/ { c = $2 } /^Free blocks/ { f = $2 } /^Block size/ { s = $2 }
    END { printf "%d", (c - f) * s }'; }
# what every ext4 image spends besides file data: the journal and the inode tables
overhead() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Total journal size/ { j = $2 * 1024 }
    /^Inode blocks per group/ { i = $2 } /^Block count/ { c = $2 } /^Blocks per group/ { g = $2 }
    /^Block size/ { s = $2 } END { printf "%d", j + i * int((c + g - 1) / g) * s }'; }
machine_tar=$(stat -c %s "$work/machine.tar")
machine_used=$(used "$work/machine.ext4")
separate_used=0
for n in 1 2 3; do separate_used=$((separate_used + $(used "$work/svc$n.ext4"))); done
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

echo "boot under TCG, from QEMU's start (median of $BENCH_RUNS):"
row "composed machine, to \"all 3 services started\"" "$composed s"
row "composed machine, until every service printed up" "$composed_up s"
printf '%s' "$rows"
row "the three images one after another" "$separate s ($(ratio "$separate" "$composed_up")x the composed machine's)"
echo "size:"
row "images' flattened trees, summed (base + 3 services)" "$(mib "$flat")"
row "composed machine as tar" "$(mib "$machine_tar") ($(ratio "$machine_tar" "$flat")x)"
row "composed machine.ext4, blocks in use" "$(mib "$machine_used") (journal and inode tables: $(mib \
    "$(overhead "$work/machine.ext4")"); the sparse file is $(mib "$(stat -c %s "$work/machine.ext4")"))"
row "the three services' own ext4 images, blocks in use" "$(mib "$separate_used")"
