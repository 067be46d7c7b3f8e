#!/usr/bin/env bash
# Builds the static test programs for the process test image into DIR and
# prints the boot-archive arguments NAME=PATH for them (and for Debian's
# static busybox when it is installed).
# Usage: tests/components/ptest/progs/build.sh DIR
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
free="-static -nostdlib -ffreestanding -fno-stack-protector -fno-builtin -O2 -Wall -Werror"
gcc $free -fno-pic -no-pie -o "$out/ptprog" "$src/ptprog.c"
gcc ${free/-static/-static-pie} -fpie -o "$out/ptpie" "$src/ptprog.c"
gcc -static -O2 -o "$out/pthello" "$src/hello.c"
gcc -O2 -o "$out/ptdyn" "$src/dynamic.c"
echo "ptprog=$out/ptprog ptpie=$out/ptpie pthello=$out/pthello ptdyn=$out/ptdyn"
if [ -x /bin/busybox ] && ! readelf -lW /bin/busybox 2>/dev/null | grep -q 'INTERP'; then
    echo "busybox=/bin/busybox"
fi
