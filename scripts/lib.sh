# Shared shell helpers for scripts/*: sourced, never run.

CELLUX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Builds that take minutes and depend only on their inputs (the Linux
# library, Debian sources) live here, outside the repo, keyed by a hash of
# what went into them, so every checkout on the machine shares them.
CELLUX_CACHE=${CELLUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cellux}
# Outputs of this checkout's own sources (kernel and component images, the
# server, root images) are not keyed by content: they stay with the
# checkout, so two checkouts never build over each other's files.
CELLUX_BUILD=${CELLUX_BUILD:-$CELLUX_ROOT/target/cellux}
export CELLUX_ROOT CELLUX_CACHE CELLUX_BUILD

log() { printf '[cellux] %s\n' "$*" >&2; }
die() { printf '[cellux] error: %s\n' "$*" >&2; exit 1; }

# need_packages PKG... : installs the Debian packages that are missing.
need_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    local sudo=
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
}

# debian_source PKG VERSION DIR: Debian's source package PKG at VERSION
# unpacked in DIR/tree (DIR/.complete marks it done; a done DIR is used as
# it is). Debian's deb-src entries are off by default: the ones matching
# the distribution's own binary sources are added when missing. Returns
# non-zero, saying why, when the archive does not give the sources.
debian_source() {
    local pkg=$1 version=$2 dir=$3
    [ -f "$dir/.complete" ] && return 0
    need_packages dpkg-dev
    if ! apt-get source --print-uris -qq "$pkg=$version" >/dev/null 2>&1; then
        log "adding deb-src entries for Debian's main archive"
        local codename sudo=
        codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
        [ "$(id -u)" -ne 0 ] && sudo=sudo
        $sudo tee /etc/apt/sources.list.d/cellux-deb-src.sources > /dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
        $sudo apt-get update -qq >&2 || die "apt-get update failed"
    fi
    log "fetching $pkg $version sources"
    rm -rf "$dir" && mkdir -p "$dir/dl"
    (cd "$dir/dl" && apt-get source -qq --download-only "$pkg=$version" >&2) \
        || { log "apt-get source $pkg=$version failed"; return 1; }
    dpkg-source -x "$dir"/dl/*.dsc "$dir/tree" >&2 || { log "dpkg-source -x $pkg failed"; return 1; }
    touch "$dir/.complete"
}

# The one QEMU machine configuration both cellux and the Linux baseline run
# in, so benchmark ratios compare like with like. TCG only: there is no
# usable KVM here. microvm gives virtio-mmio; Debian's kernel also needs the
# legacy PIT/PIC/RTC there to calibrate its clock and boot.
cellux_qemu_machine() {
    echo "-M microvm,pit=on,pic=on,rtc=on -cpu max -m ${CELLUX_MEM:-512M} -accel tcg -nic none -display none -monitor none"
}

# cellux_linux_cmdline: the boot flags every Debian-kernel baseline run
# shares. Under TCG on a busy host Linux's PIT calibration of the TSC fails
# and the boot hangs there; TCG's TSC runs at the host's rate, so say it.
cellux_linux_cmdline() {
    local khz
    khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
    echo "console=ttyS0 panic=-1 tsc=reliable${khz:+ tsc_early_khz=$khz}"
}

# cellux_qemu_disk IMG: the root disk as cellux attaches it (virtio-blk on
# microvm's virtio-mmio, modern transport), for the Linux baseline as well.
cellux_qemu_disk() {
    echo "-M microvm,ioapic2=off -global virtio-mmio.force-legacy=false -drive file=$1,if=none,format=raw,id=d -device virtio-blk-device,drive=d"
}

# The private wire between two guests (scripts/run --wire, scripts/bench-linux
# --wire): QEMU carries each Ethernet frame as one UDP datagram from
# 127.0.0.1:LOCAL to 127.0.0.1:REMOTE, so nothing on the wire reaches the
# host's network stack beyond its loopback. Static addresses, one side
# each: cellux .1, Linux .2 (IPv4 and an IPv6 unique-local prefix; link-local
# addresses come from the MACs).
CELLUX_WIRE_NET4=10.0.9 CELLUX_WIRE_NET6=fd00:9:
# check_wire LOCAL:REMOTE: dies unless it is two ports (1-65535) of
# 127.0.0.1, different from each other.
check_wire() {
    [[ "$1" =~ ^[0-9]{1,5}:[0-9]{1,5}$ ]] || die "--wire takes LOCAL:REMOTE ports (e.g. 40001:40002), not '$1'"
    local p
    for p in "${1%%:*}" "${1#*:}"; do
        [ $((10#$p)) -ge 1 ] && [ $((10#$p)) -le 65535 ] || die "--wire: port $p is not in 1-65535"
    done
    [ $((10#${1%%:*})) -ne $((10#${1#*:})) ] || die "--wire: the local and remote ports are the same"
}
# cellux_qemu_wire LOCAL:REMOTE HOST: QEMU's arguments for a virtio-net
# NIC on that wire, whose MAC ends in HOST (1 cellux, 2 Linux) so the two
# sides differ.
cellux_qemu_wire() {
    local l=$((10#${1%%:*})) r=$((10#${1#*:}))
    echo "-netdev dgram,id=w0,local.type=inet,local.host=127.0.0.1,local.port=$l,remote.type=inet,remote.host=127.0.0.1,remote.port=$r" \
         "-device virtio-net-device,netdev=w0,mac=52:54:00:00:09:$(printf %02x "$2")"
}
# free_ports tcp|udp N: N ports of 127.0.0.1 free for that protocol now,
# on one line (bound together, then released: another program may take
# one before the caller does, which the caller's bind would show).
free_ports() {
    python3 - "$1" "$2" <<'PY'
import socket, sys
kind = {"tcp": socket.SOCK_STREAM, "udp": socket.SOCK_DGRAM}[sys.argv[1]]
ss = [socket.socket(socket.AF_INET, kind) for _ in range(int(sys.argv[2]))]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])
PY
}

# expect_reported LOG NAME...: the suites whose test component reports
# `PASS name` / `FAIL name: why` lines on the console print one line per
# NAME the component's source registers: PASS when LOG has it, else FAIL
# with the component's reason or "(never reported)" (a crash or hang
# midway). Sets `reported_fails` to the number of failures.
expect_reported() {
    local log=$1 t why
    shift
    reported_fails=0
    for t in "$@"; do
        if grep -qx "PASS $t" < <(tr -d '\r' < "$log"); then
            echo "PASS $t"
        else
            why=$(tr -d '\r' < "$log" | grep -m1 "^FAIL $t" | sed "s/^FAIL $t//")
            echo "FAIL $t${why:- (never reported)}"
            reported_fails=$((reported_fails + 1))
        fi
    done
}
