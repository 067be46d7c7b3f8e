#!/usr/bin/env bash
# Builds cellux's library-mode Linux (lkl/overlay over Debian's
# linux-source-6.12, configured by lkl/config/cellux.config) into ONE
# relocatable object whose only global symbols are the lkl_* entry points of
# lkl/include/cellux/lkl_host.h.
#
# The build lives outside the repo, in $CELLUX_CACHE/lkl/KEY, where KEY
# hashes everything that goes into it (source package version, overlay,
# config, host header, this script): an unchanged tree is a cache hit in
# well under a second. Logs and progress go to stderr; the last line on
# stdout is the path of lkl.o. See lkl/README.md for the layout.
#
#   lkl/build.sh            build (or find) and print the object's path
#   lkl/build.sh --dir      the same, but print the build directory
#   LKL_JOBS=N              parallel jobs (default 2: the machine is shared)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../scripts/lib.sh"

print_dir=0
[ "${1:-}" = "--dir" ] && print_dir=1

jobs=${LKL_JOBS:-2}
pkg=linux-source-6.12

need_packages "$pkg" make gcc binutils flex bison bc xz-utils

tarball=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-6.12*.tar.xz after installing $pkg"
pkgver=$(dpkg-query -W -f='${Version}' "$pkg")

# What goes into the object. The tarball is named by its package version,
# size and time rather than hashed: 150 MB would cost more than the rest.
key=$(
	{
		echo "$pkg $pkgver $(stat -c '%s %Y' "$tarball")"
		cd "$here"
		find overlay config include/cellux build.sh $([ -d patches ] && echo patches) -type f |
			LC_ALL=C sort | xargs sha256sum
	} | sha256sum | cut -c1-16
)
top=$CELLUX_CACHE/lkl
dir=$top/$key

finish() {
	ln -sfn "$key" "$top/current"
	if [ $print_dir = 1 ]; then echo "$dir"; else echo "$dir/lkl.o"; fi
}

if [ -f "$dir/lkl.o" ]; then
	log "lkl: cached build $dir"
	finish
	exit 0
fi

mkdir -p "$top"
# One Linux build at a time on this machine: a second caller waits, then
# usually finds the result cached.
exec 9>"$top/.lock"
if ! flock -n 9; then
	log "lkl: another build is running; waiting for it"
	flock 9
fi
if [ -f "$dir/lkl.o" ]; then
	log "lkl: cached build $dir"
	finish
	exit 0
fi

# Holding the lock, any half-built tree left is from a build that was
# killed.
find "$top" -mindepth 1 -maxdepth 1 -type d -name '*.tmp' -exec rm -rf {} +

start=$(date +%s)
work=$dir.tmp
rm -rf "$work"
mkdir -p "$work"
src=$work/source

log "lkl: unpacking $tarball ($pkgver)"
tar -xf "$tarball" -C "$work"
mv "$work"/linux-source-6.12 "$src"

log "lkl: applying the overlay"
cp -r "$here/overlay/." "$src/"
mkdir -p "$src/arch/lkl/include/cellux"
cp "$here/include/cellux/lkl_host.h" "$src/arch/lkl/include/cellux/"
for p in "$here"/patches/*.patch; do
	[ -e "$p" ] || continue
	log "lkl: patch $(basename "$p")"
	patch -s -p1 -d "$src" <"$p"
done

log "lkl: configuring (allnoconfig + config/cellux.config)"
make -s -C "$src" ARCH=lkl KCONFIG_ALLCONFIG="$here/config/cellux.config" \
	allnoconfig >&2
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*) grep -qxF "$line" "$src/.config" || { log "lkl: config lost: $line"; missing=1; } ;;
	esac
done <"$here/config/cellux.config"
[ $missing = 0 ] || die "config/cellux.config asks for options Kconfig dropped"

log "lkl: building with -j$jobs (kernel progress follows)"
make -C "$src" ARCH=lkl -j"$jobs" vmlinux >&2

# The host-facing entry points are the functions lkl_host.h declares.
entries=$(grep -oE '\blkl_[a-z0-9_]+\(' "$here/include/cellux/lkl_host.h" |
	tr -d '(' | sort -u)
keep=()
for e in $entries; do keep+=("--keep-global-symbol=$e"); done
# A relocatable link drops the non-executable-stack note; without it the
# host's linker would make the whole program's stack executable.
objcopy "${keep[@]}" --add-section .note.GNU-stack=/dev/null \
	--set-section-flags .note.GNU-stack=contents,readonly \
	"$src/vmlinux" "$work/lkl.o"

exported=$(nm -g --defined-only "$work/lkl.o" | awk '{print $3}' | sort)
if [ "$exported" != "$(echo "$entries" | sort)" ]; then
	log "lkl: exported: $(echo $exported)"
	log "lkl: declared: $(echo $entries)"
	die "lkl.o's global symbols differ from lkl_host.h's entry points"
fi
undefined=$(nm -u "$work/lkl.o" | awk '{print $2}' | grep -vx '_GLOBAL_OFFSET_TABLE_' || true)
[ -z "$undefined" ] || die "lkl.o leaves symbols undefined: $(echo $undefined)"

# The uapi headers of the ABI the library speaks (x86_64's), sanitized as
# for a C library, for hosts that generate numbers and structs from them.
log "lkl: x86_64 uapi headers"
make -s -C "$src" ARCH=x86 O="$work/headers-build" headers >&2
mv "$work/headers-build/usr/include" "$work/include"
rm -rf "$work/headers-build"

mv "$work" "$dir"
# Keep the eight newest builds (each tree is over a gigabyte): branches
# worked on side by side each keep theirs instead of rebuilding in turn.
find "$top" -mindepth 1 -maxdepth 1 -type d ! -name '*.tmp' -printf '%T@ %p\n' |
	sort -rn | tail -n +9 | cut -d' ' -f2- | while read -r old; do
	[ "$old" = "$dir" ] || rm -rf "$old"
done
log "lkl: built $dir/lkl.o ($(stat -c %s "$dir/lkl.o") bytes) in $(( $(date +%s) - start ))s"
finish
