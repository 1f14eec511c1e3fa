#!/bin/sh
# Builds kiln-init (every *.c here, one static binary) into $1 (Maven runs this at
# generate-resources): one for this machine's architecture with musl-gcc (or gcc), and one per
# cross compiler present. musl keeps it small (about 60 KiB); glibc's static libc works too, only bigger.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
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
# build ARCH COMPILER: rebuild only when a source changed, so offline incremental builds stay fast.
build() {
    bin="$out/kiln-init-$1"
    if [ ! -f "$bin" ] || [ -n "$(find "$src" -maxdepth 1 \( -name '*.c' -o -name '*.h' \) -newer "$bin")" ]; then
        $2 -static -Os -s -Wall -Wextra -Werror -o "$bin.tmp" "$src"/*.c
        mv "$bin.tmp" "$bin"
    fi
}
host=$(uname -m)
build "$host" "$cc"
for arch in x86_64 aarch64; do
    if [ "$arch" != "$host" ] && command -v "$arch-linux-gnu-gcc" >/dev/null 2>&1; then
        build "$arch" "$arch-linux-gnu-gcc"
    fi
done
