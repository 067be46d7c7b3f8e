#!/usr/bin/env bash
# Builds cellux's root filesystem: an ext4 image made with `mke2fs -d` from a
# staging folder holding Debian's busybox-static, a link per applet, a small
# /etc, a /www for busybox httpd (README's `scripts/run --forward`
# example), and the project's test binaries under /opt/tests.
#
#   rootfs/build.sh [--add DIR]... [--size MiB] [--tests DIR] OUT.img
#
# --add DIR copies DIR's contents over the staging folder (a user's own
# static binaries, for one run); --tests DIR fills /opt/tests. --size:
# the filesystem's size, 1024 MiB by default, so that programs and tests
# have room to work (a 100 MB file, a build); the image is sparse on the
# host (about 50 MB of it is written), and the Linux baseline of
# scripts/bench mounts the same kind of image.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"

adds=()
tests_dir=
size_mib=1024
out=
while [ $# -gt 0 ]; do
    case "$1" in
        --add) [ $# -ge 2 ] || die "--add needs a folder"; adds+=("$2"); shift 2 ;;
        --tests) [ $# -ge 2 ] || die "--tests needs a folder"; tests_dir=$2; shift 2 ;;
        --size) [ $# -ge 2 ] || die "--size needs MiB"; size_mib=$2; shift 2 ;;
        -*) die "rootfs/build.sh: unknown option $1" ;;
        *) [ -z "$out" ] || die "rootfs/build.sh: one output image only"; out=$1; shift ;;
    esac
done
[ -n "$out" ] || die "usage: rootfs/build.sh [--add DIR]... [--tests DIR] [--size MiB] OUT.img"
case "$size_mib" in ''|*[!0-9]*) die "--size takes a whole number of MiB, not '$size_mib'" ;; esac
for d in "${adds[@]}" ${tests_dir:+"$tests_dir"}; do
    [ -d "$d" ] || die "not a folder: $d"
done

need_packages busybox-static e2fsprogs
busybox=/bin/busybox
file -b "$busybox" 2>/dev/null | grep -q 'statically linked' \
    || [ "$(od -An -tx1 -j4 -N1 "$busybox" | tr -d ' ')" = 02 ] \
    || die "$busybox is not Debian's static busybox"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,dev,proc,sys,opt/tests,home,var/tmp,mnt}
chmod 1777 "$stage/tmp" "$stage/var/tmp"
chmod 700 "$stage/root"
install -m 755 "$busybox" "$stage/bin/busybox"

# One link per applet, where busybox itself says it belongs. Relative
# symlinks, so the image is right wherever it is mounted.
while read -r applet; do
    [ -n "$applet" ] || continue
    [ "$applet" = bin/busybox ] && continue
    dir=$(dirname "$applet")
    mkdir -p "$stage/$dir"
    up=$(echo "$dir" | sed -E 's#[^/]+#..#g')
    [ -e "$stage/$applet" ] || ln -s "$up/bin/busybox" "$stage/$applet"
done < <("$busybox" --list-full)
[ -e "$stage/bin/sh" ] || ln -s busybox "$stage/bin/sh"

cat > "$stage/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
# daemon and users as Debian has them: LTP's chmod07 and fchmod02 give a
# file to `users`, or `daemon` where there is none.
cat > "$stage/etc/group" <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:
nogroup:x:65534:
G
echo cellux > "$stage/etc/hostname"
cat > "$stage/etc/profile" <<'R'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
PS1='cellux:\w\$ '
R
# What `busybox httpd -h /www` serves; tests/suites/52-net fetches it.
mkdir -p "$stage/www"
cat > "$stage/www/index.html" <<'W'
<!DOCTYPE html>
<html><head><title>cellux</title></head>
<body><p>Served by busybox httpd in cellux.</p></body></html>
W

[ -n "$tests_dir" ] && cp -a "$tests_dir/." "$stage/opt/tests/"
for d in "${adds[@]}"; do cp -a "$d/." "$stage/"; done

mkdir -p "$(dirname "$out")"
rm -f "$out"
# root:root ownership whoever builds it; no lazy init so the image is
# complete when QEMU first opens it.
mke2fs -q -t ext4 -d "$stage" -E root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0 \
    -L cellux-root "$out" "${size_mib}M" >&2 || die "mke2fs failed for $out"
log "root image $out (${size_mib} MiB)"
