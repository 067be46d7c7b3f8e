#!/usr/bin/env bash
# Stages busybox's own test suites (testsuite/ and shell/ash_test/ from
# Debian's busybox source package, the version matching the installed
# busybox-static) with the busybox binary and its build config under
# OUT/bb, and OUT/etc/hosts, ready to be put into a guest's root filesystem.
#   tests/busybox/stage.sh OUT
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
out=${1:?usage: stage.sh OUT}
need_packages busybox-static dpkg-dev gcc libc6-dev

src_version=$(dpkg-query -W -f='${source:Version}' busybox-static)
src_dir="$CELLUX_CACHE/busybox-src/$src_version"
debian_source busybox "$src_version" "$src_dir" || die "no busybox $src_version sources"
tree="$src_dir/tree"

rm -rf "$out/bb"
mkdir -p "$out/bb/shell"
install -m 755 /bin/busybox "$out/bb/busybox"
cp "$tree/debian/config/pkg/static" "$out/bb/.config"
cp -a "$tree/testsuite" "$out/bb/testsuite"
cp -a "$tree/shell/ash_test" "$out/bb/shell/ash_test"
# run-all builds these helpers with gcc when missing; the guest has no
# compiler, so they go in prebuilt and static.
for h in printenv recho zecho; do
    gcc -O2 -static -o "$out/bb/shell/ash_test/$h" "$tree/shell/ash_test/$h.c"
done
ln -sf ../../busybox "$out/bb/shell/ash_test/ash"
cp "$out/bb/.config" "$out/bb/shell/ash_test/.config"
# runtest remakes a link per applet each start (some 400 forks, half of
# what one cellux boot can do today); the links are made here instead and
# runtest uses them when they are there. It also names each applet it
# starts, so a run cut short can go on from there in another boot.
links="$out/bb/runtest-tempdir-links"
mkdir -p "$links"
ln -s /bb/busybox "$links/busybox"
for a in $(/bin/busybox --list); do ln -sf /bb/busybox "$links/$a"; done
sed -i -e '/^rm -rf "\$LINKSDIR" 2>\/dev\/null$/,/^done$/{s/^rm -rf.*/if [ ! -d "$LINKSDIR" ]; then/;s/^done$/done; fi/}' \
    -e 's/^for applet in \$applets; do$/&\n\techo "ITEM: $applet"/' "$out/bb/testsuite/runtest"
grep -q '^done; fi$' "$out/bb/testsuite/runtest" && grep -q 'echo "ITEM: ' "$out/bb/testsuite/runtest" \
    || die "busybox's runtest changed: the links and ITEM patches did not apply"
install -m 755 "$(dirname "$0")/guest-run.sh" "$out/bb/guest-run.sh"
# busybox's wget tests fetch http://www.google.com/, which no machine here
# reaches: the same /etc/hosts on both sides names it 127.0.0.1, where
# guest-run.sh has busybox httpd serve /bb/www (a non-empty index.html,
# what the tests check for).
mkdir -p "$out/etc" "$out/bb/www"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n127.0.0.1\twww.google.com\n' > "$out/etc/hosts"
cat > "$out/bb/www/index.html" <<'W'
<!DOCTYPE html>
<html><head><title>www.google.com, here</title></head>
<body><p>busybox's wget tests fetch this page from busybox httpd on 127.0.0.1.</p></body></html>
W
log "staged busybox $src_version suites in $out/bb"
