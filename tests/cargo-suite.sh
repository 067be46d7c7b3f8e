#!/usr/bin/env bash
# Runs `cargo test` with the given arguments and turns libtest's per-test
# lines into the PASS/FAIL lines scripts/test counts. Exits with cargo's status.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
cargo test "$@" -- --test-threads=1 2>&1 | tee "$out" >&2
rc=${PIPESTATUS[0]}
sed -nE 's/^test (.+) \.\.\. ok$/PASS \1/p; s/^test (.+) \.\.\. FAILED$/FAIL \1/p' "$out"
rm -f "$out"
exit "$rc"
