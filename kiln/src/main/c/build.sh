#!/bin/sh
# Builds kiln-init as static binaries into $1 (Maven runs this at generate-resources): one for
# this machine's architecture with musl-gcc (or gcc), and one per cross compiler present.
# musl keeps it small (about 60 KiB); glibc's static libc works too, only bigger.
set -eu
src=$(cd "$(dirname "$0")" && pwd)/kiln-init.c
out=$1
mkdir -p "$out"
if command -v musl-gcc >/dev/null 2>&1; then
    cc=musl-gcc
elif command -v gcc >/dev/null 2>&1; then
    cc=gcc
else
    echo "kiln-init: no C compiler; install musl-tools (or gcc libc6-dev)" >&2
    exit 1
fi
# build ARCH COMPILER: rebuild only when the source changed, so offline incremental builds stay fast.
build() {
    if [ ! -f "$out/kiln-init-$1" ] || [ "$src" -nt "$out/kiln-init-$1" ]; then
        $2 -static -Os -s -Wall -Wextra -Werror -o "$out/kiln-init-$1.tmp" "$src"
        mv "$out/kiln-init-$1.tmp" "$out/kiln-init-$1"
    fi
}
host=$(uname -m)
build "$host" "$cc"
for arch in x86_64 aarch64; do
    if [ "$arch" != "$host" ] && command -v "$arch-linux-gnu-gcc" >/dev/null 2>&1; then
        build "$arch" "$arch-linux-gnu-gcc"
    fi
done
