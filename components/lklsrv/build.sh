#!/usr/bin/env bash
# Builds the LKL server component (components/lklsrv) with the flags of the other
# components (scripts/build-kernel) and prints its path on the last line.
# Linux's object comes from lkl/build.sh (cached by hash) unless
# CELLUX_LKL_OBJ names one.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
out="$CELLUX_BUILD/lklsrv"
mkdir -p "$out"
cd "$CELLUX_ROOT"
if [ -z "${CELLUX_LKL_OBJ:-}" ]; then
    obj=$(lkl/build.sh | tail -n 1) || die "lkl/build.sh failed"
    export CELLUX_LKL_OBJ=$obj
fi
# PIE code: the server is linked in the upper-half server region, beyond
# the small code model's absolute addresses (link.ld). rustc's PIE code
# calls every function of another crate through the GOT (relocations the
# linker may not relax into direct calls), and under TCG an indirect call
# ends a translated block with a lookup: one crate for LLVM (fat LTO)
# makes the Rust calls direct and lets them inline, a fifth of a
# syscall's cost on the fast path (docs/ring1.md).
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
RUSTFLAGS="-C relocation-model=pie -C panic=abort -C force-frame-pointers=yes --cfg cellux_image" \
    cargo build --release --target x86_64-unknown-linux-gnu --target-dir "$out/target" \
    -p cellux-lkl-server --features image 2> "$out/build.log" \
    || { cat "$out/build.log" >&2; die "LKL server build failed"; }
echo "$out/target/x86_64-unknown-linux-gnu/release/lklsrv"
