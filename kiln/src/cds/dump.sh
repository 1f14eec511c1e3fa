#!/bin/sh
# Writes the class data sharing archive that bin/kiln starts the JVM with (Maven runs this at
# package, after the shaded jar exists): one training build of a small OCI image records the
# classes a build loads, so later runs map them instead of loading and verifying them again.
# It saves about a quarter of a second per run. Best effort: a JVM that cannot write the archive
# leaves none, and bin/kiln then starts without one.
# usage: dump.sh TARGET_DIR   (holds kiln.jar; gets kiln.jsa and a cds-training/ scratch dir)
set -u
target=$1
src=$(cd "$(dirname "$0")" && pwd)
work="$target/cds-training"
rm -rf "$work" "$target/kiln.jsa"
mkdir -p "$work"
if java -cp "$target/kiln.jar" "$src/TrainingImage.java" "$work/layout" > "$work/dump.log" 2>&1 \
    && java -XX:ArchiveClassesAtExit="$target/kiln.jsa.tmp" -XX:+UseSerialGC -jar "$target/kiln.jar" \
        build "oci:$work/layout:training" -o "$work/rootfs.ext4" -q >> "$work/dump.log" 2>&1 \
    && [ -s "$target/kiln.jsa.tmp" ]; then
    mv "$target/kiln.jsa.tmp" "$target/kiln.jsa"
else
    rm -f "$target/kiln.jsa.tmp"
    echo "kiln: no class data sharing archive (see $work/dump.log); bin/kiln starts without one" >&2
fi
rm -rf "$work/layout" "$work/rootfs.ext4"
