#!/usr/bin/env bash
# Builds trinity, the Linux system call fuzzer, static (glibc) from
# Debian's `trinity` source package into $CELLUX_CACHE/trinity/KEY, keyed
# by the source's version and the recipe below, and prints that folder's
# path on the last line (KEY/trinity is the binary, KEY/build.log the
# build's output). A cached build is used as it is.
#
# The source is what `apt-get source trinity` gives (deb-src entries are
# added when missing). Where the archive does not serve it,
# CELLUX_TRINITY_SOURCE may name an unpacked tree or a tarball of the same
# upstream source (Debian's 1.9+git20230109.87f1530 is upstream commit
# 87f1530); the key then holds that source's own hash.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

packages=(dpkg-dev gcc libc6-dev linux-libc-dev make)
need_packages "${packages[@]}"
# The recipe: change any of these and the key changes.
make_flags=(LDFLAGS=-static)
recipe="configure; make ${make_flags[*]}; strip; packages ${packages[*]}"

if [ -n "${CELLUX_TRINITY_SOURCE:-}" ]; then
    src=$CELLUX_TRINITY_SOURCE
    [ -e "$src" ] || die "CELLUX_TRINITY_SOURCE: no $src"
    if [ -d "$src" ]; then
        version="tree-$(cd "$src" && find . -type f ! -name '*.o' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    else
        version="tarball-$(sha256sum < "$src" | cut -c1-16)"
    fi
else
    apt-get source --print-uris -qq trinity > /dev/null 2>&1 || need_packages dpkg-dev
    version=$(apt-cache showsrc trinity 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
    [ -n "$version" ] || { apt-get update -qq >&2; version=$(apt-cache showsrc trinity 2>/dev/null | sed -n 's/^Version: //p' | head -n 1); }
    [ -n "$version" ] || die "Debian's archive lists no trinity source package (deb-src entries missing?)"
fi
key=$( { echo "$version"; echo "$recipe"; } | sha256sum | cut -c1-16)
dir=$CELLUX_CACHE/trinity/$key
if [ -f "$dir/.complete" ]; then
    log "trinity: cached build $dir"
    echo "$dir"
    exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
if [ -n "${CELLUX_TRINITY_SOURCE:-}" ]; then
    mkdir -p "$dir/src"
    if [ -d "$src" ]; then cp -a "$src/." "$dir/src/"; else tar -xf "$src" -C "$dir/src" --strip-components=1; fi
    tree=$dir/src
else
    debian_source trinity "$version" "$CELLUX_CACHE/trinity-src/$version" \
        || die "no trinity $version sources from Debian's archive (set CELLUX_TRINITY_SOURCE to the same upstream source)"
    cp -a "$CELLUX_CACHE/trinity-src/$version/tree" "$dir/src"
    tree=$dir/src
fi
log "trinity: building $version static into $dir"
(
    set -e
    cd "$tree"
    ./configure
    make -j"${TRINITY_JOBS:-2}" "${make_flags[@]}"
    strip trinity
    file trinity | grep -q 'statically linked'
) > "$dir/build.log" 2>&1 || { tail -n 20 "$dir/build.log" >&2; die "trinity build failed (log: $dir/build.log)"; }
cp "$tree/trinity" "$dir/trinity"
rm -rf "$tree"
touch "$dir/.complete"
echo "$dir"
