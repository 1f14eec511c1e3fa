#!/bin/sh
# Builds kiln-init as a static binary into $1 (Maven runs this at generate-resources).
# musl keeps it small (about 80 KiB); glibc's static libc works too, only bigger.
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
# Rebuild only when the source changed, so offline incremental builds stay fast.
if [ ! -f "$out/kiln-init-x86_64" ] || [ "$src" -nt "$out/kiln-init-x86_64" ]; then
    $cc -static -Os -s -Wall -Wextra -Werror -o "$out/kiln-init-x86_64.tmp" "$src"
    mv "$out/kiln-init-x86_64.tmp" "$out/kiln-init-x86_64"
fi
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
    if [ ! -f "$out/kiln-init-aarch64" ] || [ "$src" -nt "$out/kiln-init-aarch64" ]; then
        aarch64-linux-gnu-gcc -static -Os -s -Wall -Wextra -Werror -o "$out/kiln-init-aarch64.tmp" "$src"
        mv "$out/kiln-init-aarch64.tmp" "$out/kiln-init-aarch64"
    fi
fi
