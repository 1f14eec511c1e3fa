#!/bin/sh
# Builds the JNI inflate shim (kiln_inflate.c with ISA-L's inflate linked in statically) into
# OUT/dev/kiln/inflate/libkiln-inflate-ARCH.so (Maven runs this at generate-resources): one for
# this machine's architecture and one per cross compiler present. ISA-L comes from the pristine
# upstream release that Debian ships as libisal_2.30.0.orig.tar.xz, kept beside this script and
# checked against Debian's SHA-256 (README.md here). Needs make, and nasm for x86_64's assembly.
# usage: build.sh OUT WORK JAVA_HOME   (WORK: scratch for the unpacked ISA-L builds)
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$1/dev/kiln/inflate
work=$2
jdk=$3
tarball="$src/libisal_2.30.0.orig.tar.xz"
sha256=f363f1be3d657d5676cef5253ee2233e60116e2fa9c9de86881185bf81e0e4b8
mkdir -p "$out" "$work" "$1/META-INF"

# isal ARCH CC: unpacks and builds ISA-L's gzip part (units=igzip: inflate, deflate, CRCs) once.
isal() {
    dir="$work/$1"
    if [ ! -f "$dir/bin/isa-l.a" ] || [ "$tarball" -nt "$dir/bin/isa-l.a" ] || [ "$src/build.sh" -nt "$dir/bin/isa-l.a" ]; then
        echo "$sha256  $tarball" | sha256sum -c --quiet - >&2 \
            || { echo "kiln-inflate: $tarball is not the ISA-L release it should be" >&2; exit 1; }
        rm -rf "$dir" && mkdir -p "$dir"
        tar -xJf "$tarball" -C "$dir" --strip-components=1
        # Function sections let the link drop the C parts of deflate that inflate never calls.
        flags="-fPIC -ffunction-sections -fdata-sections"
        if [ "$1" = aarch64 ]; then
            set -- host_cpu=aarch64 arch=aarch64 CC="$2" AR="${2%gcc}ar" CFLAGS_aarch64="$flags"
        else
            set -- host_cpu=x86_64 CC="$2" CFLAGS_="-Wall $flags"
        fi
        make -s -C "$dir" -f Makefile.unx units=igzip "$@" lib > "$dir/build.log" 2>&1 \
            || { tail -20 "$dir/build.log" >&2; echo "kiln-inflate: building ISA-L failed (log: $dir/build.log)" >&2; exit 1; }
    fi
}

# shim ARCH CC: rebuilds only when the shim, the tarball or ISA-L changed.
shim() {
    lib="$out/libkiln-inflate-$1.so"
    if [ ! -f "$lib" ] || [ -n "$(find "$src" "$work/$1/bin/isa-l.a" -newer "$lib")" ]; then
        # -z defs: every symbol resolved now; noexecstack: nasm objects carry no stack note, and
        # an executable stack would make the JVM warn and remap its own stacks.
        $2 -shared -fPIC -O2 -Wall -Wextra -Werror -fvisibility=hidden \
            -I"$jdk/include" -I"$jdk/include/linux" -I"$work/$1/include" \
            -o "$lib.tmp" "$src/kiln_inflate.c" "$work/$1/bin/isa-l.a" \
            -Wl,-z,defs -Wl,-z,noexecstack -Wl,--gc-sections -Wl,--exclude-libs,ALL -s
        mv "$lib.tmp" "$lib"
    fi
}

# build ARCH CC. Without nasm or make the jar carries no shim for ARCH and Kiln decodes gzip with
# the JDK's zlib there: correct, about half as fast. The build goes on, saying so; the tests fail.
build() {
    for tool in make $([ "$1" = x86_64 ] && echo nasm); do
        if ! command -v "$tool" > /dev/null 2>&1; then
            echo "kiln-inflate: WARNING: $tool is missing, so this Kiln decodes gzip on $1 with the JDK's" \
                "zlib (about half the speed); install $tool (see .ci/deps) and rebuild" >&2
            rm -f "$out/libkiln-inflate-$1.so"
            return
        fi
    done
    isal "$1" "$2"
    shim "$1" "$2"
}

command -v gcc > /dev/null 2>&1 || { echo "kiln-inflate: no C compiler; install gcc libc6-dev" >&2; exit 1; }
host=$(uname -m)
case "$host" in
    x86_64|aarch64) build "$host" gcc ;;
    *) echo "kiln-inflate: no native inflater for $host; Kiln decodes gzip with java.util.zip there" >&2 ;;
esac
for arch in x86_64 aarch64; do
    if [ "$arch" != "$host" ] && command -v "$arch-linux-gnu-gcc" > /dev/null 2>&1; then
        build "$arch" "$arch-linux-gnu-gcc"
    fi
done
# ISA-L's licence asks for its notice beside the binaries.
for license in "$work"/*/LICENSE; do
    [ -f "$license" ] && cp "$license" "$1/META-INF/LICENSE.isa-l" && break
done
