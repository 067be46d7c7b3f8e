#!/usr/bin/env bash
# Builds LTP's syscalls tests as static glibc binaries from the pinned
# source tarball (../shared/ltp/ beside the checkout, or $CELLUX_LTP_TARBALL)
# into $CELLUX_CACHE/ltp/KEY, keyed by the tarball's hash and the recipe
# below (configure flags, what is built, how it is installed), and prints
# that folder's path on the last line:
#
#   KEY/ltp/testcases/bin/   the test binaries and their helpers, debug
#                            info stripped (a root image holds them)
#   KEY/ltp/runtest/syscalls LTP's list: `NAME COMMAND ARGS...` per line
#   KEY/build.log            configure's and make's output
#
# A cached build is used as it is; a fresh machine builds it (about 5
# minutes on two cores; LTP_JOBS=N to change the parallelism) after
# installing the packages the build needs (with the libraries LTP's
# configure looks for, so the tests that use them are real tests rather
# than TCONF stubs).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

# The workplace keeps it in shared/ltp/ beside the team's checkouts; a
# clone made elsewhere (CI's) finds it at the workplace's own path.
tarball=${CELLUX_LTP_TARBALL:-$(ls "$CELLUX_ROOT"/../shared/ltp/ltp-*.tar.xz /work/shared/ltp/ltp-*.tar.xz 2>/dev/null | head -n 1)}
[ -n "$tarball" ] && [ -f "$tarball" ] \
    || die "no LTP source tarball: expected ../shared/ltp/ltp-*.tar.xz beside the checkout (or /work/shared/ltp/), or set CELLUX_LTP_TARBALL"

packages=(autoconf automake make pkg-config gcc libc6-dev bison flex xz-utils binutils
          libaio-dev libcap-dev libacl1-dev libkeyutils-dev libnuma-dev libssl-dev libtirpc-dev)
# The recipe: change any of these and the key changes.
configure_flags=(LDFLAGS=-static --prefix=/ltp)
make_dirs=(lib testcases/kernel/syscalls)
recipe="configure ${configure_flags[*]}; make -C ${make_dirs[*]}; install testcases/kernel/syscalls; strip --strip-debug; packages ${packages[*]}"

key=$( { sha256sum < "$tarball"; echo "$recipe"; } | sha256sum | cut -c1-16)
top=$CELLUX_CACHE/ltp
dir=$top/$key
if [ -f "$dir/.complete" ]; then
    log "ltp: cached build $dir"
    echo "$dir"
    exit 0
fi

need_packages "${packages[@]}"
log "ltp: building LTP's syscalls tests into $dir (some minutes; log in $dir/build.log)"
rm -rf "$dir"
mkdir -p "$dir/src"
tar -xJf "$tarball" -C "$dir/src"
src=$dir/src/ltp
[ -f "$src/runtest/syscalls" ] || die "the tarball has no ltp/runtest/syscalls"
jobs=${LTP_JOBS:-2}
(
    set -e
    cd "$src"
    make autotools
    ./configure "${configure_flags[@]}"
    for d in "${make_dirs[@]}"; do make -j"$jobs" -C "$d"; done
    make -C testcases/kernel/syscalls install DESTDIR="$dir/inst"
) > "$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log" >&2; die "LTP build failed (log: $dir/build.log)"; }

out=$dir/ltp
mkdir -p "$out/runtest"
mv "$dir/inst/ltp/testcases" "$out/testcases"
cp "$src/runtest/syscalls" "$out/runtest/syscalls"
# Debug info is 60% of each binary (2.8 GB for the lot): the root image
# needs the code only.
find "$out/testcases/bin" -type f -perm -u+x -exec sh -c \
    'for f; do head -c 4 "$f" | grep -q ELF && strip --strip-debug "$f"; done' sh {} + >> "$dir/build.log" 2>&1
rm -rf "$dir/src" "$dir/inst"
touch "$dir/.complete"
log "ltp: built $(ls "$out/testcases/bin" | wc -l) files in $out/testcases/bin"
echo "$dir"
